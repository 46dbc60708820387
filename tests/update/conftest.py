"""Fixtures for the update tests: a real TUF repository built with the manufacturer tooling,
served on 127.0.0.1 (port 0) by a thread of the test process, and a provisioned device."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from securable.device import _crypto
from securable.device.update import (
    ABSlots,
    DeviceUpdater,
    Release,
    ReleaseRepository,
    RepositoryServer,
    SlotManifest,
    serve_in_thread,
)
from securable.device.update._tuf import CryptoSigner, JSONSerializer, Metadata

HWID = "sensor-rev-b"
SERIALIZER = JSONSerializer(compact=False)


@dataclass
class RecordingLog:
    """A SecurityEventSink that keeps events in memory (beside tests with the real log)."""

    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def record(self, event_type: str, outcome: str, /, **details: Any) -> None:
        self.events.append((event_type, outcome, details))

    def types(self, outcome: str | None = None) -> list[str]:
        return [e for e, o, _ in self.events if outcome is None or o == outcome]


@dataclass
class Firmware:
    path: Path
    data: bytes


def make_image(tmp: Path, name: str, size: int) -> Firmware:
    data = os.urandom(size)
    path = tmp / name
    path.write_bytes(data)
    return Firmware(path, data)


@dataclass
class World:
    """One manufacturer repository, its server, and one device provisioned with v1."""

    tmp: Path
    repo: ReleaseRepository
    server: RepositoryServer
    v1: Firmware
    device_dir: Path
    log: RecordingLog
    trusted_root: bytes = b""

    def updater(self, **kw: Any) -> DeviceUpdater:
        kw.setdefault("log", self.log)
        kw.setdefault("hardware_id", HWID)
        return DeviceUpdater(
            self.device_dir,
            metadata_url=f"{self.server.url}/metadata",
            targets_url=f"{self.server.url}/targets",
            trusted_root=self.trusted_root,
            **kw,
        )

    def release(
        self, name: str, version: str, svn: int, size: int = 64 * 1024, hw: tuple[str, ...] = (HWID,)
    ) -> Firmware:
        fw = make_image(self.tmp, name, size)
        self.repo.add_release(
            fw.path,
            version=version,
            security_version=svn,
            hardware_ids=hw,
            name="fw.bin",
            allow_lower_security_version=True,
        )
        self.repo.publish()
        return fw

    def slot_bytes(self, slot: str) -> bytes:
        return (self.device_dir / "slots" / slot / "image").read_bytes()

    # --- forging with python-tuf's Metadata API ---------------------------------------------

    def public_md(self, name: str) -> Metadata[Any]:
        return Metadata.from_file(str(self.repo.metadata_dir / name))

    def write_public(self, name: str, md: Metadata[Any]) -> None:
        (self.repo.metadata_dir / name).write_bytes(md.to_bytes(SERIALIZER))

    def online_signer(self, role: str) -> CryptoSigner:
        keyid = self.repo.root.roles[role].keyids[0]
        pem = (self.repo.online_key_dir / f"{keyid}.pem").read_bytes()
        return CryptoSigner(_crypto.private_key_from_pem(pem))


def provision(device_dir: Path, fw: Firmware, release: Release, *, max_trial_boots: int = 3) -> ABSlots:
    slots = ABSlots.in_folder(device_dir, max_trial_boots=max_trial_boots)
    with fw.path.open("rb") as handle:
        slots.provision(handle, SlotManifest.for_image(fw.path, release))
    return slots


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    repo = ReleaseRepository.create(tmp_path / "repo")
    v1 = make_image(tmp_path, "v1.bin", 64 * 1024)
    release = repo.add_release(
        v1.path, version="1.0.0", security_version=1, hardware_ids=[HWID], name="fw.bin"
    )
    repo.publish()
    device_dir = tmp_path / "device"
    provision(device_dir, v1, release)
    with serve_in_thread(repo.public_dir) as server:
        w = World(tmp_path, repo, server, v1, device_dir, RecordingLog())
        # the root shipped in the device image: version 1, as published at init
        w.trusted_root = (repo.metadata_dir / "1.root.json").read_bytes()
        yield w


ForgeFn = Callable[[World], None]

"""A/B slots: where images are written, which one boots, and automatic fall-back.

Two parts, kept apart so a real device can swap the storage without touching the logic:

* :class:`FolderSlotBackend` — the storage. One folder per slot holding ``image`` (written in
  place, like a raw partition) and ``manifest.json`` (the signed facts of the image in it). A
  block-device backend offers the same five methods over partitions and a small metadata area.
* :class:`ABSlots` — the boot logic, playing the part of the bootloader environment. Its table
  (``bootstate.json``) names the active slot, the fall-back slot, whether the active slot is on
  trial (installed but not yet confirmed healthy) and how many trial boots were attempted.

The invariants that make a power cut harmless:

1. A slot's manifest is removed *before* its image is overwritten and written again only after
   the new bytes were read back and matched the signed hashes: a half-written slot has no
   manifest and is never booted.
2. Only the inactive slot is written; while a trial is pending nothing is written at all, so
   the fall-back image is intact until the new one is confirmed.
3. The slot table is replaced atomically (:func:`atomic_write_json`): a switch either happened
   or did not.
4. Each boot hashes the chosen image against its manifest; a mismatch falls back to the other
   slot, and an unconfirmed trial falls back after ``max_trial_boots`` attempts.
5. Nothing below the anti-rollback floor boots: when the only image that verifies has a lower
   security version than ``floor``, :meth:`ABSlots.boot` raises :class:`BootRecoveryError`
   and changes nothing, so the device goes to recovery instead of running a retired image.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from securable.device.update._files import atomic_write_json, fsync_dir, read_json
from securable.device.update.errors import BootRecoveryError, SlotError
from securable.device.update.release import Release

SLOT_NAMES = ("a", "b")
CHUNK = 1 << 20


@dataclass(frozen=True)
class SlotManifest:
    """What was verified about the image in a slot when it was written."""

    target_path: str
    version: str
    security_version: int
    hardware_ids: tuple[str, ...]
    length: int
    hashes: dict[str, str] = field(hash=False)

    @property
    def release(self) -> Release:
        return Release(self.target_path, self.version, self.security_version, self.hardware_ids)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["hardware_ids"] = list(self.hardware_ids)
        return data

    @classmethod
    def for_image(cls, path: Path, release: Release) -> SlotManifest:
        """The manifest of a factory image file (hashes computed here, for provisioning)."""
        digest = hashlib.sha256()
        length = 0
        with Path(path).open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                length += len(chunk)
        return cls(
            release.target_path,
            release.version,
            release.security_version,
            release.hardware_ids,
            length,
            {"sha256": digest.hexdigest()},
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlotManifest:
        return cls(
            target_path=str(data["target_path"]),
            version=str(data["version"]),
            security_version=int(data["security_version"]),
            hardware_ids=tuple(str(h) for h in data["hardware_ids"]),
            length=int(data["length"]),
            hashes={str(k): str(v) for k, v in dict(data["hashes"]).items()},
        )


class SlotBackend(Protocol):
    """Storage of slot images and their manifests (a folder per slot, or partitions)."""

    names: tuple[str, ...]

    def invalidate(self, slot: str) -> None: ...
    def open_image_writer(self, slot: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...
    def open_image_reader(self, slot: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...
    def write_manifest(self, slot: str, manifest: SlotManifest) -> None: ...
    def read_manifest(self, slot: str) -> SlotManifest | None: ...


class FolderSlotBackend:
    """Slots as folders ``<root>/<slot>/{image,manifest.json}``."""

    names: tuple[str, ...] = SLOT_NAMES

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        for name in self.names:
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def _dir(self, slot: str) -> Path:
        if slot not in self.names:
            raise SlotError(f"unknown slot {slot!r}", diagnostics=f"use one of {', '.join(self.names)}")
        return self.root / slot

    def image_path(self, slot: str) -> Path:
        return self._dir(slot) / "image"

    def invalidate(self, slot: str) -> None:
        path = self._dir(slot) / "manifest.json"
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            fsync_dir(path.parent)

    @contextlib.contextmanager
    def open_image_writer(self, slot: str) -> Iterator[IO[bytes]]:
        with self.image_path(slot).open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())

    @contextlib.contextmanager
    def open_image_reader(self, slot: str) -> Iterator[IO[bytes]]:
        with self.image_path(slot).open("rb") as handle:
            yield handle

    def write_manifest(self, slot: str, manifest: SlotManifest) -> None:
        atomic_write_json(self._dir(slot) / "manifest.json", manifest.to_dict())

    def read_manifest(self, slot: str) -> SlotManifest | None:
        try:
            data = read_json(self._dir(slot) / "manifest.json")
            return None if data is None else SlotManifest.from_dict(data)
        except (ValueError, KeyError, TypeError):
            return None  # a corrupt manifest is the same as none: the slot is not bootable


def image_matches(handle: IO[bytes], length: int, hashes: dict[str, str]) -> bool:
    """Stream ``handle`` once and compare its length and every listed digest."""
    try:
        hashers = {name: hashlib.new(name) for name in hashes}
    except ValueError:
        return False
    if not hashers:
        return False
    size = 0
    while chunk := handle.read(CHUNK):
        size += len(chunk)
        if size > length:
            return False
        for hasher in hashers.values():
            hasher.update(chunk)
    return size == length and all(hashers[n].hexdigest() == hashes[n] for n in hashes)


@dataclass(frozen=True)
class BootResult:
    """The slot the device came up on. ``trial`` means it still awaits :meth:`ABSlots.confirm`."""

    slot: str
    manifest: SlotManifest
    trial: bool
    fell_back: bool


@dataclass
class BootState:
    active: str
    previous: str | None = None
    trial: bool = False
    attempts: int = 0


class ABSlots:
    """Boot control over two slots. See the module docstring for the invariants."""

    def __init__(self, backend: SlotBackend, state_file: Path, *, max_trial_boots: int = 3) -> None:
        if max_trial_boots < 1:
            raise ValueError("max_trial_boots must be at least 1")
        self.backend = backend
        self.state_file = Path(state_file)
        self.max_trial_boots = max_trial_boots

    @classmethod
    def in_folder(cls, root: Path, *, max_trial_boots: int = 3) -> ABSlots:
        """Folder-backed slots under ``root/slots`` with the table in ``root/bootstate.json``."""
        return cls(
            FolderSlotBackend(Path(root) / "slots"),
            Path(root) / "bootstate.json",
            max_trial_boots=max_trial_boots,
        )

    # --- state ---------------------------------------------------------------------------------

    def state(self) -> BootState | None:
        data = read_json(self.state_file)
        if not isinstance(data, dict) or data.get("active") not in self.backend.names:
            return None
        return BootState(
            active=data["active"],
            previous=data.get("previous") if data.get("previous") in self.backend.names else None,
            trial=bool(data.get("trial", False)),
            attempts=int(data.get("attempts", 0)),
        )

    def _save(self, state: BootState) -> None:
        atomic_write_json(self.state_file, asdict(state))

    def _require_state(self) -> BootState:
        state = self.state()
        if state is None:
            raise SlotError(
                "the slot table is missing or unreadable",
                diagnostics="provision a factory image with ABSlots.provision() before booting",
            )
        return state

    def other(self, slot: str) -> str:
        return next(name for name in self.backend.names if name != slot)

    def manifest(self, slot: str) -> SlotManifest | None:
        return self.backend.read_manifest(slot)

    def verify(self, slot: str) -> SlotManifest | None:
        """The slot's manifest when its image still matches it, else ``None``."""
        manifest = self.backend.read_manifest(slot)
        if manifest is None:
            return None
        try:
            with self.backend.open_image_reader(slot) as handle:
                ok = image_matches(handle, manifest.length, manifest.hashes)
        except OSError:
            return None
        return manifest if ok else None

    # --- writing -------------------------------------------------------------------------------

    def write_image(
        self,
        slot: str,
        source: IO[bytes],
        manifest: SlotManifest,
        *,
        verify: Callable[[IO[bytes]], None],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Copy ``source`` into ``slot``, read it back through ``verify``, then publish the manifest.

        ``verify`` raises when the bytes in the slot do not match the signed target; the slot is
        then left without a manifest (not bootable).
        """
        state = self._require_state()
        if slot == state.active:
            raise SlotError(f"slot {slot!r} is running", diagnostics="write only the inactive slot")
        if state.trial:
            raise SlotError(
                "the running image still awaits boot confirmation",
                diagnostics="confirm or roll back the pending update before installing another",
            )
        self.backend.invalidate(slot)
        written = 0
        with self.backend.open_image_writer(slot) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
                written += len(chunk)
                if progress is not None:
                    progress(written)
        with self.backend.open_image_reader(slot) as handle:
            verify(handle)
        self.backend.write_manifest(slot, manifest)

    def provision(self, source: IO[bytes], manifest: SlotManifest, *, slot: str = "a") -> None:
        """Factory step: write the first image and make it the confirmed active slot."""
        self.backend.invalidate(slot)
        with self.backend.open_image_writer(slot) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        with self.backend.open_image_reader(slot) as handle:
            if not image_matches(handle, manifest.length, manifest.hashes):
                raise SlotError("factory image does not match its manifest", diagnostics="rebuild the image")
        self.backend.write_manifest(slot, manifest)
        self._save(BootState(active=slot))

    # --- switching and booting -----------------------------------------------------------------

    def switch_to(self, slot: str) -> None:
        """Make ``slot`` active on trial; the old slot stays as the fall-back."""
        state = self._require_state()
        if self.backend.read_manifest(slot) is None:
            raise SlotError(f"slot {slot!r} holds no verified image", diagnostics="install an image first")
        self._save(BootState(active=slot, previous=state.active, trial=True, attempts=0))

    def boot(self, *, floor: int = 0) -> BootResult:
        """What the bootloader does: count a trial boot, fall back when needed, verify the image.

        ``floor`` is the device's anti-rollback floor: an image below it never boots, even when
        it is the only one that verifies (:class:`BootRecoveryError`, nothing changed).
        """
        state = self._require_state()
        fell_back = False
        if state.trial:
            if state.attempts >= self.max_trial_boots and state.previous is not None:
                state = BootState(active=state.previous, previous=state.active)
                fell_back = True
            else:
                state.attempts += 1
            self._save(state)
        manifest = self.verify(state.active)
        if manifest is None or manifest.security_version < floor:
            other = state.previous or self.other(state.active)
            other_manifest = self.verify(other)
            if other_manifest is None or other_manifest.security_version < floor:
                self._refuse_boot(state.active, manifest, other, other_manifest, floor)
            assert other_manifest is not None
            state = BootState(active=other, previous=state.active)
            self._save(state)
            manifest, fell_back = other_manifest, True
        return BootResult(slot=state.active, manifest=manifest, trial=state.trial, fell_back=fell_back)

    @staticmethod
    def _refuse_boot(
        active: str,
        active_manifest: SlotManifest | None,
        other: str,
        other_manifest: SlotManifest | None,
        floor: int,
    ) -> None:
        verified = [(s, m) for s, m in ((active, active_manifest), (other, other_manifest)) if m is not None]
        if not verified:
            raise BootRecoveryError(
                "no slot holds an image that matches its manifest: re-flash the device "
                "with a factory image, or enter recovery",
                floor=floor,
            )
        found = ", ".join(
            f"slot {s} holds {m.version} (security version {m.security_version})" for s, m in verified
        )
        raise BootRecoveryError(
            f"refusing to boot below the anti-rollback floor {floor}: {found}; "
            "the other slot does not verify",
            floor=floor,
        )

    def confirm(self) -> BootState:
        """Mark the running trial image good; it stops being rolled back."""
        state = self._require_state()
        if state.trial:
            state = BootState(active=state.active, previous=state.previous)
            self._save(state)
        return state

    def fall_back(self) -> BootState:
        """Give up on the trial image now (failed health check) and make the previous slot active."""
        state = self._require_state()
        if state.previous is None:
            raise SlotError("there is no previous slot to fall back to", diagnostics="nothing to roll back")
        state = BootState(active=state.previous, previous=state.active)
        self._save(state)
        return state

    def activate_previous(self) -> BootState:
        """Authorized rollback: boot the previous slot next, on trial like any new image."""
        state = self._require_state()
        if state.trial:
            raise SlotError("an update awaits confirmation", diagnostics="confirm or roll it back first")
        if state.previous is None or self.verify(state.previous) is None:
            raise SlotError(
                "the previous slot holds no verified image", diagnostics="nothing to roll back to"
            )
        state = BootState(active=state.previous, previous=state.active, trial=True)
        self._save(state)
        return state

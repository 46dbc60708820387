"""Power-cut safety: SIGKILL the updater process at every stage and reboot the device.

Whatever the kill point, the next boot must come up on an image that matches its signed
manifest — v1 or v2, byte for byte, never a half-written one — and a later update run must
finish the job (resuming the download where it stopped).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from securable.device.update import UpdateOffer

from .conftest import HWID, World

pytestmark = pytest.mark.integration

PROC = Path(__file__).with_name("_device_proc.py")
IMAGE_SIZE = 6 * 1024 * 1024  # several 1 MiB chunks, so "half-way" exists


def run_until(world: World, kill_at: str) -> str:
    """Start the updater process, wait until it reaches ``kill_at``, SIGKILL it."""
    marker = world.tmp / f"marker-{kill_at}"
    Path(f"{marker}.length").write_text(str(IMAGE_SIZE))
    root_file = world.tmp / "root.json"
    root_file.write_bytes(world.trusted_root)
    args = [str(world.device_dir), world.server.url, str(root_file), HWID, kill_at, str(marker)]
    proc = subprocess.Popen([sys.executable, str(PROC), *args])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, f"updater exited early with {proc.returncode}"
            assert time.monotonic() < deadline, "updater never reached the kill point"
            time.sleep(0.02)
        reached = marker.read_text().strip()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        return reached
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_boots_verified(world: World, v2_data: bytes) -> str:
    boot = world.updater().boot()  # boot() re-hashes the image against its manifest
    image = world.slot_bytes(boot.slot)
    assert image in (world.v1.data, v2_data), "booted a half-written image"
    assert boot.manifest.version == ("1.0.0" if image == world.v1.data else "2.0.0")
    return boot.manifest.version


@pytest.mark.parametrize("kill_at", ["download", "verify", "install", "switch"])
def test_power_cut_at_every_stage(world: World, kill_at: str) -> None:
    v2 = world.release("v2.bin", "2.0.0", 2, size=IMAGE_SIZE)
    reached = run_until(world, kill_at)
    assert reached.startswith(kill_at)

    booted = assert_boots_verified(world, v2.data)
    if kill_at == "switch":
        # switched but not confirmed: the device comes up on v2, on trial
        assert booted == "2.0.0"
        assert world.updater().confirm(lambda: True)
    else:
        assert booted == "1.0.0"
        seen_before = len(world.server.requests_seen)
        result = world.updater().update()  # the next scheduled round finishes the job
        assert result is not None and not isinstance(result, UpdateOffer)
        if kill_at == "download":
            assert result.resumed_from > 0
            ranges = [r for _, path, r in world.server.requests_seen[seen_before:] if "images/" in path]
            assert ranges and ranges[0] is not None and ranges[0].startswith("bytes=")
        if kill_at == "verify":
            assert result.resumed_from == IMAGE_SIZE  # already complete and verified: nothing re-fetched
        assert assert_boots_verified(world, v2.data) == "2.0.0"
        assert world.updater().confirm(lambda: True)
    final = world.updater().boot()
    assert (final.manifest.version, final.trial) == ("2.0.0", False)
    assert world.updater().floor.value == 2


def test_power_cut_mid_write_leaves_slot_unbootable(world: World) -> None:
    v2 = world.release("v2.bin", "2.0.0", 2, size=IMAGE_SIZE)
    run_until(world, "install")
    partial = world.device_dir / "slots" / "b"
    assert not (partial / "manifest.json").exists()
    assert 0 < (partial / "image").stat().st_size < IMAGE_SIZE or (partial / "image").read_bytes() != v2.data
    assert world.updater().boot().slot == "a"


def test_repeated_power_cuts_during_trial_fall_back_to_v1(world: World) -> None:
    v2 = world.release("v2.bin", "2.0.0", 2, size=IMAGE_SIZE)
    run_until(world, "switch")
    for _ in range(3):  # each boot dies before the health check confirms
        assert assert_boots_verified(world, v2.data) == "2.0.0"
    assert assert_boots_verified(world, v2.data) == "1.0.0"
    assert world.updater().floor.value == 1

"""Boot never falls below the anti-rollback floor (issue 19, item 5).

A corrupted active slot used to make the bootloader fall back to whatever verified in the other
slot, even an image the device had already retired by raising its security-version floor.
Android Verified Boot refuses such an image by its rollback index; so does this kit: the device
goes to a recovery state it reports, and an update from a verified repository brings it back.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from securable.device.update import ABSlots, DeviceUpdater, InstallResult, Release, SlotManifest
from securable.device.update.errors import BootRecoveryError

from .conftest import HWID, RecordingLog, World, make_image


def _manifest(tmp: Path, name: str, version: str, svn: int) -> tuple[bytes, SlotManifest]:
    fw = make_image(tmp, name, 10_000)
    return fw.data, SlotManifest.for_image(fw.path, Release(f"images/{name}", version, svn, (HWID,)))


def _device_on_v2(tmp_path: Path, log: RecordingLog) -> DeviceUpdater:
    """v1 (security version 1) in slot a, v2 (security version 2) confirmed in slot b, floor 2."""
    data1, m1 = _manifest(tmp_path, "v1", "1.0.0", 1)
    slots = ABSlots.in_folder(tmp_path / "dev")
    slots.provision(io.BytesIO(data1), m1)
    updater = DeviceUpdater(
        tmp_path / "dev",
        metadata_url="http://127.0.0.1:9/metadata",
        targets_url="http://127.0.0.1:9/targets",
        trusted_root=b"{}",
        hardware_id=HWID,
        slots=slots,
        log=log,
    )
    data2, m2 = _manifest(tmp_path, "v2", "2.0.0", 2)
    slots.write_image("b", io.BytesIO(data2), m2, verify=lambda _: None)
    slots.switch_to("b")
    updater.boot()
    assert updater.confirm(lambda: True) and updater.floor.value == 2
    return updater


def _corrupt(updater: DeviceUpdater, slot: str) -> None:
    image = updater.slots.backend.image_path(slot)  # type: ignore[attr-defined]
    data = bytearray(image.read_bytes())
    data[len(data) // 2] ^= 0x01
    image.write_bytes(bytes(data))


def test_corrupted_active_slot_does_not_boot_an_image_below_the_floor(tmp_path: Path) -> None:
    log = RecordingLog()
    updater = _device_on_v2(tmp_path, log)
    _corrupt(updater, "b")
    with pytest.raises(BootRecoveryError) as exc:
        updater.boot()
    assert "below" in exc.value.message and "recovery" in exc.value.diagnostics
    recovery = updater.recovery
    assert recovery is not None and recovery.security_version_floor == 2
    assert updater.slots.state().active == "b"  # type: ignore[union-attr]  # nothing switched to v1
    event, outcome, details = log.events[-1]
    assert (event, outcome, details["reason"]) == ("update.boot", "failure", "recovery")
    with pytest.raises(BootRecoveryError):  # every boot ends in recovery until it is repaired
        updater.boot()


def test_slots_alone_refuse_a_fall_back_below_the_floor(tmp_path: Path) -> None:
    updater = _device_on_v2(tmp_path, RecordingLog())
    _corrupt(updater, "b")
    with pytest.raises(BootRecoveryError):
        updater.slots.boot(floor=2)
    assert updater.slots.boot().slot == "a"  # without a floor the table still falls back


def test_a_fall_back_at_or_above_the_floor_still_happens(tmp_path: Path) -> None:
    updater = _device_on_v2(tmp_path, RecordingLog())
    _corrupt(updater, "a")  # the retired v1 is damaged: nothing to do with the running image
    assert updater.boot().slot == "b" and updater.recovery is None


def test_recovery_is_repaired_by_a_verified_update(world: World) -> None:
    updater = world.updater()
    updater.boot()
    world.release("v2.bin", "2.0.0", 2)
    updater.update()
    updater.boot()
    assert updater.confirm(lambda: True) and updater.floor.value == 2
    _corrupt(updater, updater.slots.state().active)  # type: ignore[union-attr]
    with pytest.raises(BootRecoveryError):
        updater.boot()
    # the recovery environment runs one update round: the same release is written again
    assert isinstance(updater.update(), InstallResult)
    boot = updater.boot()
    assert boot.manifest.security_version >= 2 and updater.recovery is None
    assert updater.confirm(lambda: True)

"""v1 → v2 through the real stack: manufacturer tooling, loopback HTTP, ngclient, A/B slots."""

from __future__ import annotations

import pytest

from securable.device.update import RefusalReason, SlotError, UpdateMode, UpdateOffer, UpdateRefusedError

from .conftest import World

pytestmark = pytest.mark.integration


def test_device_moves_from_v1_to_v2_and_raises_floor(world: World) -> None:
    updater = world.updater()
    assert updater.boot().manifest.version == "1.0.0"
    assert updater.update() is None  # nothing newer yet
    v2 = world.release("v2.bin", "2.0.0", 2)

    result = world.updater().update()
    assert result is not None and not isinstance(result, UpdateOffer)
    assert result.slot == "b" and result.release.version == "2.0.0"

    rebooted = world.updater()
    boot = rebooted.boot()
    assert (boot.slot, boot.trial, boot.manifest.version) == ("b", True, "2.0.0")
    assert world.slot_bytes("b") == v2.data
    assert rebooted.floor.value == 1  # not raised before confirmation
    assert rebooted.confirm(lambda: True) is True
    assert rebooted.floor.value == 2
    assert rebooted.boot().trial is False

    stages = world.log.types("success")
    for stage in ("offer", "download", "verify", "install", "switch", "boot", "confirm"):
        assert f"update.{stage}" in stages


def test_failed_health_check_rolls_back_at_once(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    world.updater().update()
    updater = world.updater()
    assert updater.boot().slot == "b"
    assert updater.confirm(lambda: False) is False
    boot = updater.boot()
    assert (boot.slot, boot.manifest.version, boot.trial) == ("a", "1.0.0", False)
    assert updater.floor.value == 1
    assert ("update.rollback", "success") in [(e, o) for e, o, _ in world.log.events]
    assert updater.update() is None  # the failed release is not installed again (no loop)
    world.release("v3.bin", "2.0.1", 2)
    result = world.updater().update()  # a fixed release is
    assert result is not None and result.release.version == "2.0.1"  # type: ignore[union-attr]


def test_unconfirmed_trial_falls_back_after_max_boots(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    world.updater().update()
    for _ in range(3):  # three trial boots that never reach confirm()
        assert world.updater().boot().slot == "b"
    boot = world.updater().boot()
    assert boot.fell_back and boot.slot == "a" and world.slot_bytes("a") == world.v1.data
    assert world.updater().update() is None


def test_notify_mode_offers_without_installing_until_approved(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    updater = world.updater()
    updater.set_policy(mode=UpdateMode.NOTIFY, principal="owner")
    offer = updater.update()
    assert isinstance(offer, UpdateOffer) and offer.release.version == "2.0.0"
    assert world.updater().boot().slot == "a"  # nothing installed
    result = world.updater().update(approve=True)
    assert result is not None and not isinstance(result, UpdateOffer)
    assert ("update.policy", "success") in [(e, o) for e, o, _ in world.log.events]


def test_disabled_updates_are_refused_and_persist(world: World) -> None:
    world.updater().set_policy(enabled=False)
    with pytest.raises(UpdateRefusedError) as info:
        world.updater().update()
    assert info.value.reason is RefusalReason.DISABLED
    world.updater().set_policy(enabled=True)
    assert world.updater().update() is None


def test_authorized_rollback_only_above_floor(world: World) -> None:
    # v2 keeps security version 1: rolling back to v1 is allowed
    world.release("v2.bin", "2.0.0", 1)
    world.updater().update()
    updater = world.updater()
    updater.boot()
    updater.confirm(lambda: True)
    assert updater.rollback(principal="admin") == "a"
    boot = world.updater().boot()
    assert boot.manifest.version == "1.0.0"
    world.updater().confirm(lambda: True)

    # v3 raises the security version: going back to 1.0.0 below the floor is refused
    world.release("v3.bin", "3.0.0", 5)
    world.updater().update()
    updater = world.updater()
    updater.boot()
    updater.confirm(lambda: True)
    assert updater.floor.value == 5
    with pytest.raises(UpdateRefusedError) as info:
        updater.rollback(principal="admin")
    assert info.value.reason is RefusalReason.SECURITY_VERSION
    assert world.updater().boot().manifest.version == "3.0.0"


def test_second_install_refused_while_trial_pending(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    world.updater().update()
    world.release("v3.bin", "3.0.0", 3)
    with pytest.raises(UpdateRefusedError) as info:
        world.updater().update()
    assert info.value.reason is RefusalReason.BUSY
    with pytest.raises(SlotError):
        world.updater().rollback()


def test_device_follows_root_and_targets_key_rotation(world: World) -> None:
    world.repo.rotate_key("targets")  # root v2
    world.repo.rotate_key("root")  # root v3, signed by the v2 and v3 root keys
    world.release("v2.bin", "2.0.0", 2)
    result = world.updater().update()  # the device still ships root v1 and walks 1 -> 2 -> 3
    assert result is not None and not isinstance(result, UpdateOffer)
    cached = sorted(p.name for p in (world.device_dir / "metadata" / "root_history").iterdir())
    assert cached == ["1.root.json", "2.root.json", "3.root.json"]


def test_concurrent_update_round_is_refused(world: World) -> None:
    import fcntl

    with (world.device_dir / ".lock").open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(UpdateRefusedError) as info:
            world.updater().update()
        assert info.value.reason is RefusalReason.BUSY
    assert world.updater().update() is None

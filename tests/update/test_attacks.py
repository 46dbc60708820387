"""Each attack TUF names, forged with python-tuf's Metadata API against a real served repository.

After every refusal the device must still boot v1 from slot a, byte for byte.
"""

from __future__ import annotations

import datetime
import shutil
from typing import Any

import pytest

from securable.device.update import RefusalReason, UpdateRefusedError
from securable.device.update._tuf import CryptoSigner, Metadata, MetaFile, exceptions
from securable.device.update.repository import generate_key

from .conftest import HWID, World

pytestmark = pytest.mark.integration


def refused(world: World, reason: RefusalReason, **kw: object) -> UpdateRefusedError:
    with pytest.raises(UpdateRefusedError) as info:
        world.updater(**kw).update()  # type: ignore[arg-type]
    assert info.value.reason is reason, info.value
    assert any(o == "failure" and d.get("reason") == reason.value for _, o, d in world.log.events)
    still = world.updater().boot()
    assert (still.slot, still.manifest.version) == ("a", "1.0.0")
    assert world.slot_bytes("a") == world.v1.data
    return info.value


def latest(world: World, role: str) -> str:
    snapshot_version = world.public_md("timestamp.json").signed.snapshot_meta.version
    if role == "snapshot":
        return f"{snapshot_version}.snapshot.json"
    snapshot = world.public_md(f"{snapshot_version}.snapshot.json").signed
    return f"{snapshot.meta[f'{role}.json'].version}.{role}.json"


def image_file(world: World, version: str) -> str:
    target = next(t for t in world.repo.targets() if t.path == f"images/fw-{version}.bin")
    return f"{target.hashes['sha256']}.fw-{version}.bin"


def resign_targets_chain(world: World, md: Metadata[Any]) -> None:
    """Publish altered targets metadata signed with the real online keys (a key compromise)."""
    md.signed.version += 1
    md.sign(world.online_signer("targets"))
    world.write_public(f"{md.signed.version}.targets.json", md)
    snap = world.public_md(latest(world, "snapshot"))
    snap.signed.meta["targets.json"] = MetaFile(version=md.signed.version)
    snap.signed.version += 1
    snap.sign(world.online_signer("snapshot"))
    world.write_public(f"{snap.signed.version}.snapshot.json", snap)
    ts = world.public_md("timestamp.json")
    ts.signed.snapshot_meta = MetaFile(version=snap.signed.version)
    ts.signed.version += 1
    ts.sign(world.online_signer("timestamp"))
    world.write_public("timestamp.json", ts)


def test_arbitrary_image_with_attacker_signature(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    name = latest(world, "targets")
    md = world.public_md(name)
    evil = md.signed.targets["images/fw-2.0.0.bin"]
    evil.hashes = {"sha256": "00" * 32}
    md.sign(CryptoSigner(generate_key()))  # the attacker's own key
    world.write_public(name, md)
    err = refused(world, RefusalReason.SIGNATURE)
    assert isinstance(err.__cause__, exceptions.UnsignedMetadataError)


def test_arbitrary_image_with_wrong_hash(world: World) -> None:
    v2 = world.release("v2.bin", "2.0.0", 2)
    path = world.repo.targets_dir / "images" / image_file(world, "2.0.0")
    path.write_bytes(bytes(len(v2.data)))  # same length, other bytes
    err = refused(world, RefusalReason.HASH)
    assert isinstance(err.__cause__, exceptions.LengthOrHashMismatchError)
    assert not list((world.device_dir / "downloads").glob("*.part"))  # bad download discarded


def test_rollback_of_metadata(world: World) -> None:
    old_timestamp = (world.repo.metadata_dir / "timestamp.json").read_bytes()
    world.release("v2.bin", "2.0.0", 2)
    assert world.updater().check() is not None  # device now trusts the newer timestamp
    (world.repo.metadata_dir / "timestamp.json").write_bytes(old_timestamp)  # replay
    err = refused(world, RefusalReason.METADATA_VERSION)
    assert isinstance(err.__cause__, exceptions.BadVersionNumberError)


def test_rollback_to_older_image_below_floor(world: World) -> None:
    world.release("v2.bin", "2.0.0", 5)
    world.updater().update()
    updater = world.updater()
    updater.boot()
    updater.confirm(lambda: True)
    assert updater.floor.value == 5
    # validly signed (stolen targets key, or a mistake): an older image with a lower security version
    world.release("old.bin", "1.5.0", 3)
    with pytest.raises(UpdateRefusedError) as info:
        world.updater().update()
    assert info.value.reason is RefusalReason.SECURITY_VERSION
    assert world.updater().boot().manifest.version == "2.0.0"


def test_freeze_with_device_clock_past_expiry(world: World) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)  # timestamp lives 1 day
    err = refused(world, RefusalReason.EXPIRED, clock=lambda: later)
    assert isinstance(err.__cause__, exceptions.ExpiredMetadataError)


def test_freeze_with_expired_timestamp_replayed(world: World) -> None:
    md = world.public_md("timestamp.json")
    md.signed.version += 1
    md.signed.expires = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(
        hours=1
    )
    md.sign(world.online_signer("timestamp"))  # an old, once-valid timestamp
    world.write_public("timestamp.json", md)
    err = refused(world, RefusalReason.EXPIRED)
    assert isinstance(err.__cause__, exceptions.ExpiredMetadataError)


def test_mix_and_match(world: World) -> None:
    old_targets = latest(world, "targets")
    world.release("v2.bin", "2.0.0", 2)
    new_targets = latest(world, "targets")
    # serve the old targets metadata under the name the new snapshot pins
    shutil.copyfile(world.repo.metadata_dir / old_targets, world.repo.metadata_dir / new_targets)
    err = refused(world, RefusalReason.METADATA_VERSION)
    assert isinstance(err.__cause__, exceptions.BadVersionNumberError)


def test_endless_data_image(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    path = world.repo.targets_dir / "images" / image_file(world, "2.0.0")
    with path.open("ab") as handle:
        handle.write(b"\0" * (1 << 20))
    err = refused(world, RefusalReason.ENDLESS_DATA)
    assert isinstance(err.__cause__, exceptions.DownloadLengthMismatchError)


def test_endless_data_metadata(world: World) -> None:
    path = world.repo.metadata_dir / "timestamp.json"
    path.write_bytes(path.read_bytes() + b" " * 32_000)  # above ngclient's 16 KiB timestamp cap
    err = refused(world, RefusalReason.ENDLESS_DATA)
    assert isinstance(err.__cause__, exceptions.DownloadLengthMismatchError)


def test_wrong_hardware(world: World) -> None:
    world.release("other.bin", "9.0.0", 9, hw=("gateway-rev-a",))
    # a validly signed targets role (compromised or mistaken) points this board's channel at it
    name = latest(world, "targets")
    md = world.public_md(name)
    channel = md.signed.targets[f"channels/{HWID}.json"]
    channel.unrecognized_fields["custom"]["securable"]["image"] = "images/fw-9.0.0.bin"
    resign_targets_chain(world, md)
    refused(world, RefusalReason.HARDWARE)


def test_fast_forward_recovery_after_timestamp_key_rotation(world: World) -> None:
    # the timestamp key leaks; the attacker pushes a timestamp with a huge version
    ts = world.public_md("timestamp.json")
    genuine_version = ts.signed.version
    ts.signed.version = 10_000
    ts.sign(world.online_signer("timestamp"))
    world.write_public("timestamp.json", ts)
    assert world.updater().update() is None  # accepted: it was validly signed
    # the manufacturer publishes v2, but the device is now stuck on timestamp 10000
    world.release("v2.bin", "2.0.0", 2)
    assert world.public_md("timestamp.json").signed.version == genuine_version + 1
    refused(world, RefusalReason.METADATA_VERSION)
    # recovery: rotate the timestamp key; the old (fast-forwarded) timestamp stops verifying
    assert world.repo.rotate_key("timestamp") == 2
    result = world.updater().update()
    assert result is not None and result.release.version == "2.0.0"  # type: ignore[union-attr]


def test_root_rotation_needs_the_old_root_threshold(world: World) -> None:
    # a root v2 signed only by a key the device never trusted is refused
    root = world.public_md("1.root.json")
    root.signed.version = 2
    root.sign(CryptoSigner(generate_key()))
    world.write_public("2.root.json", root)
    refused(world, RefusalReason.SIGNATURE)


def test_release_without_security_version_is_refused(world: World) -> None:
    world.release("v2.bin", "2.0.0", 2)
    md = world.public_md(latest(world, "targets"))
    del md.signed.targets["images/fw-2.0.0.bin"].unrecognized_fields["custom"]["securable"][
        "security_version"
    ]
    resign_targets_chain(world, md)
    refused(world, RefusalReason.MALFORMED)

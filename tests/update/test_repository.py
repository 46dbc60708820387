"""Manufacturer tooling: roots with offline thresholds, release metadata, hash bins, rotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from securable.device.update import (
    DeviceUpdater,
    Release,
    ReleaseRepository,
    RepositoryError,
    serve_in_thread,
)
from securable.device.update._tuf import Metadata
from securable.errors import UsageError

from .conftest import HWID, make_image, provision


def test_create_signs_root_with_offline_threshold(tmp_path: Path) -> None:
    offline = tmp_path / "usb"
    repo = ReleaseRepository.create(tmp_path / "repo", root_keys=3, root_threshold=2, root_key_dir=offline)
    root_md = Metadata.from_file(str(repo.metadata_dir / "1.root.json"))
    root = root_md.signed
    assert root.roles["root"].threshold == 2 and len(root.roles["root"].keyids) == 3
    root.verify_delegate("root", root_md.signed_bytes, root_md.signatures)  # raises if under threshold
    assert len(list(offline.glob("*.pem"))) == 3
    assert not list((tmp_path / "repo" / "keys" / "root").glob("*.pem"))  # root keys only on the "USB stick"
    assert root.consistent_snapshot is True
    assert not (repo.public_dir / "keys").exists()


def test_bad_threshold_and_key_type_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        ReleaseRepository.create(tmp_path / "a", root_keys=1, root_threshold=2)
    with pytest.raises(UsageError):
        ReleaseRepository.create(tmp_path / "b", key_type="dsa")
    with pytest.raises(RepositoryError):
        ReleaseRepository.open(tmp_path / "nothing-here")


def test_release_metadata_is_signed_custom_target_metadata(tmp_path: Path) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo", key_type="ecdsa")
    fw = make_image(tmp_path, "fw.bin", 1000)
    repo.add_release(fw.path, version="1.2.3", security_version=4, hardware_ids=[HWID, "sensor-rev-c"])
    repo.publish()
    targets = Metadata.from_file(str(repo.metadata_dir / "2.targets.json")).signed
    entry = targets.targets["images/fw-1.2.3.bin"]
    assert Release.from_custom(entry.path, entry.custom) == Release(
        "images/fw-1.2.3.bin", "1.2.3", 4, (HWID, "sensor-rev-c")
    )
    for hw in (HWID, "sensor-rev-c"):
        assert targets.targets[f"channels/{hw}.json"].custom["securable"]["image"] == "images/fw-1.2.3.bin"
    published = repo.targets_dir / "images" / f"{entry.hashes['sha256']}.fw-1.2.3.bin"
    assert published.read_bytes() == fw.data
    assert (repo.metadata_dir / "timestamp.json").exists()


def test_lower_security_version_needs_explicit_override(tmp_path: Path) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo")
    fw = make_image(tmp_path, "fw.bin", 100)
    repo.add_release(fw.path, version="2.0.0", security_version=3, hardware_ids=[HWID])
    with pytest.raises(UsageError, match="below"):
        repo.add_release(fw.path, version="1.9.0", security_version=2, hardware_ids=[HWID])
    repo.add_release(
        fw.path, version="1.9.0", security_version=2, hardware_ids=[HWID], allow_lower_security_version=True
    )


@pytest.mark.parametrize("bad", ["", "../etc", "a b", "x" * 65])
def test_bad_hardware_ids_are_refused(tmp_path: Path, bad: str) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo")
    fw = make_image(tmp_path, "fw.bin", 100)
    with pytest.raises(UsageError):
        repo.add_release(fw.path, version="1.0.0", security_version=1, hardware_ids=[bad])


def test_staged_changes_survive_reopen_and_publish(tmp_path: Path) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo")
    fw = make_image(tmp_path, "fw.bin", 100)
    repo.add_release(fw.path, version="1.0.0", security_version=1, hardware_ids=[HWID])
    reopened = ReleaseRepository.open(tmp_path / "repo")
    assert reopened.publish() == 2
    assert reopened.channel(HWID) == "images/fw-1.0.0.bin"


def test_missing_online_key_is_reported(tmp_path: Path) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo")
    for pem in repo.online_key_dir.glob("*.pem"):
        pem.unlink()
    fw = make_image(tmp_path, "fw.bin", 100)
    repo.add_release(fw.path, version="1.0.0", security_version=1, hardware_ids=[HWID])
    with pytest.raises(RepositoryError, match="keys needed"):
        repo.publish()


def test_root_rotation_without_offline_keys_fails(tmp_path: Path) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo", root_key_dir=tmp_path / "usb")
    away = ReleaseRepository.open(tmp_path / "repo", root_key_dir=tmp_path / "not-plugged-in")
    with pytest.raises(RepositoryError, match="root keys"):
        away.rotate_key("targets")
    assert repo.rotate_key("targets") == 2


def test_passphrase_protects_root_keys(tmp_path: Path) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo", passphrase=b"correct horse")
    pem = next((tmp_path / "repo" / "keys" / "root").glob("*.pem")).read_bytes()
    assert b"ENCRYPTED" in pem
    with pytest.raises(RepositoryError, match="passphrase"):
        ReleaseRepository.open(tmp_path / "repo", passphrase=b"wrong").rotate_key("snapshot")
    assert ReleaseRepository.open(tmp_path / "repo", passphrase=b"correct horse").rotate_key("snapshot") == 2
    assert repo.path.exists()


@pytest.mark.integration
def test_hash_bins_past_threshold_and_device_follows_them(tmp_path: Path) -> None:
    repo = ReleaseRepository.create(tmp_path / "repo", hash_bin_threshold=6, hash_bin_bits=3)
    v1 = make_image(tmp_path, "v1.bin", 2000)
    r1 = repo.add_release(v1.path, version="1.0.0", security_version=1, hardware_ids=[HWID], name="fw.bin")
    repo.publish()
    assert repo.hash_bin_roles() == []
    for i in range(4):  # other boards' releases push the count past the threshold
        other = make_image(tmp_path, f"o{i}.bin", 500)
        repo.add_release(other.path, version=f"0.{i}", security_version=1, hardware_ids=[f"board-{i}"])
    repo.publish()
    bins = repo.hash_bin_roles()
    assert len(bins) == 8
    top = Metadata.from_file(str(repo.metadata_dir / "3.targets.json")).signed
    assert top.targets == {} and top.delegations.succinct_roles.bit_length == 3
    snapshot = json.loads((repo.metadata_dir / "3.snapshot.json").read_bytes())["signed"]["meta"]
    assert {f"{b}.json" for b in bins} <= set(snapshot)

    v2 = make_image(tmp_path, "v2.bin", 3000)
    repo.add_release(v2.path, version="2.0.0", security_version=2, hardware_ids=[HWID], name="fw.bin")
    repo.publish()
    device = tmp_path / "device"
    provision(device, v1, r1)
    with serve_in_thread(repo.public_dir) as server:
        updater = DeviceUpdater(
            device,
            metadata_url=f"{server.url}/metadata",
            targets_url=f"{server.url}/targets",
            trusted_root=(repo.metadata_dir / "1.root.json").read_bytes(),
            hardware_id=HWID,
        )
        result = updater.update()
        fetched = [p for _, p, _ in server.requests_seen if "/metadata/" in p]
    assert result is not None and result.release.version == "2.0.0"  # type: ignore[union-attr]
    assert any("bins-" in p for p in fetched)
    assert sum("bins-" in p for p in fetched) <= 2  # only the bins holding its targets

    assert repo.rotate_key("bins") == 1  # bins keys live in targets, root is unchanged
    assert len(repo.hash_bin_roles()) == 8

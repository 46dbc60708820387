"""Hostile and unreadable blobs: bombs stop at a cap with a finding naming it, damaged or unknown
data is reported as not seen into (never an empty device, never a crash), an extractor that is not
installed is named, and the hostile-entry guarantees hold for everything extracted from a blob."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

import jsonschema
import pytest
from jsonschema import Draft4Validator

from securable.assess.engine import run_assessment
from securable.assess.model import FileKind, TargetKind, Verdict
from securable.assess.registry import checks_for
from securable.assess.reports.html import render as render_html
from securable.assess.reports.sarif import render as render_sarif
from securable.assess.targets import FirmwareImage, UnpackLimits
from securable.assess.targets._unpack import sniff_format

from .builders import (
    ext4,
    jffs2,
    make_rootfs,
    missing_tools,
    nesting_bomb,
    squashfs,
    uimage_kernel,
    uimage_squashfs,
    zip_bomb,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing_tools()), reason=f"firmware tools missing: {missing_tools()}"),
]
SCHEMA = Path(__file__).parents[3] / "src/securable/assess/data/report.schema.json"
FW_CHECKS = checks_for([TargetKind.FIRMWARE])


def _assess(image: FirmwareImage):  # type: ignore[no-untyped-def]
    return run_assessment({TargetKind.FIRMWARE: image}, FW_CHECKS)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary-files folder of this test's own (other test runs share /tmp)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_zip_bomb_stops_at_the_byte_cap(tmp_path: Path, private_tmp: Path) -> None:
    bomb = zip_bomb(tmp_path, 128 << 20)
    limits = UnpackLimits(min_blob_bytes=8 << 20)
    with FirmwareImage.open(bomb, limits=limits) as image:
        fmap = image.firmware_map
        assert fmap is not None and fmap.stopped is not None
        assert "SECURABLE_UNPACK_EXPANSION" in fmap.stopped and image.root_filesystems == []
        result = _assess(image)
        assert len(list(private_tmp.iterdir())) == 1  # extraction happened in there
    assert list(private_tmp.iterdir()) == []  # and it was removed afterwards
    coverage = [f for f in result.findings if f.check == "fw.image.coverage"]
    assert any("stopped" in f.message and f.verdict is Verdict.INCONCLUSIVE for f in coverage)
    assert not [f for f in result.findings if f.verdict is Verdict.FAIL]


def test_nesting_bomb_stops_at_the_depth_cap(tmp_path: Path) -> None:
    bomb = nesting_bomb(tmp_path, 6)
    with FirmwareImage.open(bomb, limits=UnpackLimits(max_depth=3)) as image:
        fmap = image.firmware_map
        assert fmap is not None
        assert fmap.too_deep, fmap.to_json()
        result = _assess(image)
    deep = [f for f in result.findings if f.evidence.get("reason") == "depth-cap"]
    assert deep and "SECURABLE_UNPACK_MAX_DEPTH" in deep[0].message
    assert deep[0].verdict is Verdict.INCONCLUSIVE


def test_truncated_squashfs_inside_a_uimage(tmp_path: Path) -> None:
    blob = uimage_squashfs(make_rootfs(tmp_path / "root", flawed=True), tmp_path)
    data = blob.read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[: data.index(b"hsqs") + 600])  # cut inside the squashfs data
    with FirmwareImage.open(cut) as image:
        assert image.root_filesystems == []
        result = _assess(image)
    damaged = [f for f in result.findings if f.evidence.get("reason") == "damaged-filesystem"]
    assert damaged and "squashfs" in damaged[0].message and damaged[0].verdict is Verdict.INCONCLUSIVE
    assert not [f for f in result.findings if f.verdict is Verdict.FAIL]
    no_root = [f for f in result.findings if f.evidence.get("reason") == "no-root-filesystem"]
    assert {f.check for f in no_root} == {c.id for c in FW_CHECKS}
    assert all(f.verdict is Verdict.INCONCLUSIVE for f in no_root)
    # Every requirement the firmware checks bear on is open, none is a pass on an empty tree.
    assert all(r.verdict is not Verdict.PASS for r in result.requirements)


def test_random_bytes_are_nothing_recognised(tmp_path: Path) -> None:
    blob = tmp_path / "random.bin"
    blob.write_bytes(os.urandom(256 * 1024))
    with FirmwareImage.open(blob) as image:
        assert image.firmware_map is not None and not image.firmware_map.recognised
        assert "nothing recognised" in image.notes[0]
        result = _assess(image)
    messages = [f.message for f in result.findings if f.check == "fw.image.coverage"]
    assert any("nothing recognised" in m for m in messages)
    assert any("encrypted or compressed" in m for m in messages)  # the whole file is high-entropy
    report = result.to_json()
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))


def test_missing_extractor_is_named_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = uimage_squashfs(make_rootfs(tmp_path / "root", flawed=False), tmp_path)
    # A PATH on which unsquashfs (and every other tool) is missing: the chunk must be reported.
    bare = tmp_path / "bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))
    with FirmwareImage.open(blob) as image:
        fmap = image.firmware_map
        assert fmap is not None
        squash = [c for c in fmap.chunks if c.format == "squashfs_v4_le"]
        assert squash and not squash[0].extracted and "unsquashfs" in squash[0].missing
        result = _assess(image)
    missing = [f for f in result.findings if f.evidence.get("reason") == "chunk-not-opened"]
    named = [f for f in missing if "extractor not installed: unsquashfs" in f.message]
    assert named and named[0].location is not None and named[0].location.offset == squash[0].offset


def test_every_root_filesystem_is_assessed_and_named(tmp_path: Path) -> None:
    clean = squashfs(make_rootfs(tmp_path / "clean", flawed=False), tmp_path / "clean.sqsh")
    flawed = jffs2(make_rootfs(tmp_path / "flawed", flawed=True), tmp_path)
    blob = tmp_path / "two-roots.bin"
    blob.write_bytes(uimage_kernel(tmp_path).read_bytes() + clean.read_bytes() + flawed.read_bytes())
    with FirmwareImage.open(blob) as image:
        names = [name for name, _root in image.root_filesystems]
        assert len(names) == 2, image.firmware_map.to_json() if image.firmware_map else None
        result = _assess(image)
    failed = [f for f in result.findings if f.verdict is Verdict.FAIL]
    assert failed and {f.location.filesystem for f in failed if f.location} == {
        n for n in names if n.startswith("jffs2")
    }
    sarif = json.loads(render_sarif(result))
    sarif_schema = json.loads((Path(__file__).parents[1] / "schemas/sarif-schema-2.1.0.json").read_text())
    assert not list(Draft4Validator(sarif_schema).iter_errors(sarif))
    jsonschema.validate(result.to_json(), json.loads(SCHEMA.read_text()))
    page = render_html(result).decode()
    assert "firmware-map" in page and all(name in page for name in names)
    located = [r for r in sarif["runs"][0]["results"] if r.get("locations")]
    assert any(
        loc.get("logicalLocations", [{}])[0].get("name", "").startswith("jffs2")
        for r in located
        for loc in r["locations"]
    )


def test_hostile_entries_inside_a_blob(tmp_path: Path) -> None:
    rootfs = make_rootfs(tmp_path / "root", flawed=False)
    (rootfs / "etc/escape").symlink_to("../../../../../../etc/hostname")
    (rootfs / "etc/absolute").symlink_to("/etc/passwd")
    os.mkfifo(rootfs / "tmp-fifo")
    os.mknod(rootfs / "dev-null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    (rootfs / "etc/<img src=x onerror=alert(1)>").write_text("markup name\n")
    with (rootfs / "sparse").open("wb") as fh:  # 1 GiB apparent (above the 256 MiB cap), nothing on disk
        fh.truncate(1 << 30)
    blob = uimage_squashfs(rootfs, tmp_path)
    with FirmwareImage.open(blob) as image:
        ((_name, root),) = image.root_filesystems
        fifo, device = root.entry("/tmp-fifo"), root.entry("/dev-null")
        assert fifo is not None and fifo.kind is FileKind.OTHER
        assert device is not None and device.kind is FileKind.OTHER
        assert root.read_bytes("/tmp-fifo") is None and root.read_bytes("/dev-null") is None
        assert root.resolve("/etc/absolute") == "/etc/passwd"  # absolute means "from the image root"
        escape = root.resolve("/etc/escape")
        assert escape is None or escape == "/etc/hostname"  # .. stops at the image root
        assert root.entry("/etc/<img src=x onerror=alert(1)>") is not None
        assert len(root.read_bytes("/sparse", limit=1 << 20) or b"") == 1 << 20
        tree = Path(root._tree_root or "")
        assert not (tree / "tmp-fifo").exists() and not (tree / "dev-null").exists()  # scrubbed
        result = _assess(image)
    assert not [f for f in result.findings if f.verdict is Verdict.ERROR]


def test_ext4_image_is_not_taken_for_tar(tmp_path: Path) -> None:
    image = ext4(make_rootfs(tmp_path / "root", flawed=True), tmp_path)
    assert sniff_format(image) == "blob"
    with FirmwareImage.open(image) as opened:
        assert [n for n, _r in opened.root_filesystems] == ["extfs@0x0"]
        assert opened.exists("/etc/shadow")


def test_temp_folder_is_removed_after_an_interrupt(tmp_path: Path, private_tmp: Path) -> None:
    blob = uimage_squashfs(make_rootfs(tmp_path / "root", flawed=False), tmp_path)

    def interrupt(_p: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        FirmwareImage.open(blob, progress=interrupt)
    assert list(private_tmp.iterdir()) == []  # the extraction and its folder are gone


def test_cli_says_it_could_not_see_into_the_blob(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.assess.test_cli import cli

    blob = tmp_path / "vendor.bin"
    blob.write_bytes(os.urandom(64 * 1024))
    code = cli(["assess", "--firmware", str(blob), "--out", str(tmp_path / "out"), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0  # a valid file we could not see into is not bad input
    assert "no root filesystem found" in captured.err and "nothing recognised" in captured.err
    assert "extract" not in captured.err.split("securable:")[0]  # no progress display when piped
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["summary"]["fail"] == 0 and report["summary"]["inconclusive"] > 0
    assert report["targets"][0]["firmware_map"]["chunks"] == []

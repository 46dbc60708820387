"""Vendor blobs in every format the tests can build with real tools: each opens, its root
filesystem is found and assessed, the planted flaw is found and named in its filesystem, the clean
build gives no FAIL, and the filesystem's own modes, SUID bits and owners survive extraction."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from securable.assess.engine import run_assessment
from securable.assess.model import TargetKind, Verdict
from securable.assess.registry import checks_for
from securable.assess.targets import FirmwareImage

from .builders import FORMATS, make_rootfs, missing_tools

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing_tools()), reason=f"firmware tools missing: {missing_tools()}"),
]


@pytest.fixture(scope="module")
def blobs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Path]:
    out: dict[tuple[str, bool], Path] = {}
    for flawed in (True, False):
        rootfs = make_rootfs(tmp_path_factory.mktemp("rootfs") / "root", flawed=flawed)
        for name, (build, _fmt) in FORMATS.items():
            out[(name, flawed)] = build(rootfs, tmp_path_factory.mktemp(name))
    return out


@pytest.mark.parametrize("name", list(FORMATS))
def test_flawed_blob_fails_in_its_filesystem_and_keeps_metadata(
    name: str, blobs: dict[tuple[str, bool], Path]
) -> None:
    _build, fmt = FORMATS[name]
    with FirmwareImage.open(blobs[(name, True)]) as image:
        assert image.format == "blob"
        assert image.firmware_map is not None
        roots = image.root_filesystems
        assert len(roots) == 1, image.firmware_map.to_json()
        fs_name, root = roots[0]
        assert f"{fmt}@0x" in fs_name
        # The filesystem's own metadata, not what an extractor or unblob's fix-ups made of it.
        shadow = root.entry("/etc/shadow")
        assert shadow is not None and stat.S_IMODE(shadow.mode) == 0o600 and shadow.uid == 0
        su = root.entry("/usr/bin/su")
        assert su is not None and su.mode & stat.S_ISUID and su.uid == 0
        notes = root.entry("/home/guest/notes")
        assert notes is not None and (notes.uid, notes.gid) == (1000, 1000)
        assert stat.S_IMODE(notes.mode) == 0o640

        result = run_assessment({TargetKind.FIRMWARE: image}, checks_for([TargetKind.FIRMWARE]))
    failed = [f for f in result.findings if f.verdict is Verdict.FAIL]
    empty = [f for f in failed if f.check == "fw.credentials.empty-password"]
    assert empty, [f.message for f in failed]
    assert all(f.location is not None and f.location.filesystem == fs_name for f in failed)
    assert "guest" in empty[0].message
    coverage = [f for f in result.findings if f.check == "fw.image.coverage"]
    assert coverage and coverage[0].verdict is Verdict.PASS, [f.message for f in coverage]
    report = result.to_json()
    assert report["findings"][0]["check"] == "fw.image.coverage"


@pytest.mark.parametrize("name", list(FORMATS))
def test_clean_blob_gives_no_fail(name: str, blobs: dict[tuple[str, bool], Path]) -> None:
    with FirmwareImage.open(blobs[(name, False)]) as image:
        assert len(image.root_filesystems) == 1
        result = run_assessment({TargetKind.FIRMWARE: image}, checks_for([TargetKind.FIRMWARE]))
    assert [f.message for f in result.findings if f.verdict is Verdict.FAIL] == []
    assert result.summary.get("fail", 0) == 0

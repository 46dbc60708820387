"""FirmwareImage: one read-only view over folders, tar archives and squashfs images, hostile or not."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from securable.assess.model import FileKind, ImageView
from securable.assess.targets import FirmwareImage, UnpackLimits
from securable.errors import FirmwareImageError, UsageError
from tests.assess.conftest import make_tar


def _member(name: str, kind: bytes = tarfile.REGTYPE, **attrs: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o644
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def test_folder_image_indexes_once_and_reads(rootfs: Path) -> None:
    with FirmwareImage.open(rootfs) as image:
        assert isinstance(image, ImageView)
        paths = [f.path for f in image.files()]
        assert paths == sorted(paths)
        assert {"/", "/etc", "/etc/passwd", "/bin/sh", "/bin/busybox"} <= set(paths)
        assert image.read_text("/etc/passwd") == "root:x:0:0:root:/root:/bin/sh\n"
        sh = image.entry("/bin/sh")
        assert sh is not None and sh.kind is FileKind.SYMLINK and sh.link == "/bin/busybox"
        target = image.stat("/bin/sh")
        assert target is not None and target.path == "/bin/busybox"
        assert image.read_bytes("/bin/sh", limit=4) == b"\x7fELF"
        assert image.read_bytes("/etc") is None  # a directory is not read
        assert image.read_bytes("/nope") is None
        assert [f.path for f in image.glob("/etc/rc.d/S*")] == ["/etc/rc.d/S50httpd"]
        assert "/etc/rc.d/S50httpd" in [f.path for f in image.glob("**/S50*")]
        assert [f.path for f in image.glob("/etc/*")] == ["/etc/os-release", "/etc/passwd", "/etc/rc.d"]
        assert {c.path for c in image.children("/etc")} == {"/etc/os-release", "/etc/passwd", "/etc/rc.d"}
        assert image.vulndb is None and image.format == "dir"


def test_links_resolve_inside_the_root_only(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    outside = tmp_path / "host-secret"
    outside.write_text("HOST SECRET")
    (root / "etc" / "shadow").write_text("root:*:1::::::\n")
    (root / "abs").symlink_to(str(outside))  # absolute: means <root>/<tmp>/host-secret inside the image
    (root / "rel").symlink_to("../../../../../../" + str(outside).lstrip("/"))
    (root / "up").symlink_to("../../etc/shadow")  # climbs above the root: clamped, lands on /etc/shadow
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    (root / "etc" / "dirlink").symlink_to("/")
    with FirmwareImage.open(root) as image:
        assert image.read_bytes("/abs") is None
        assert image.read_bytes("/rel") is None
        assert image.read_text("/up") == "root:*:1::::::\n"
        assert image.resolve("/up") == "/etc/shadow"
        assert image.read_bytes("/loop1") is None and image.resolve("/loop1") is None
        assert image.read_text("/etc/dirlink/etc/dirlink/etc/shadow") == "root:*:1::::::\n"
        assert image.read_text("/../../etc/shadow") == "root:*:1::::::\n"
        for entry in image.files():
            if entry.kind is FileKind.FILE:
                assert b"HOST SECRET" not in (image.read_bytes(entry.path) or b"")


def test_fifo_is_indexed_never_opened(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    os.mkfifo(root / "fifo")
    (root / "tofifo").symlink_to("/fifo")
    start = time.monotonic()
    with FirmwareImage.open(root) as image:
        entry = image.entry("/fifo")
        assert entry is not None and entry.kind is FileKind.OTHER and stat.S_ISFIFO(entry.mode)
        assert image.read_bytes("/fifo") is None
        assert image.read_bytes("/tofifo") is None
    assert time.monotonic() - start < 5  # an opened FIFO without a writer would block forever


def test_sparse_20_gib_file_is_read_bounded(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with (root / "huge.img").open("wb") as fh:
        fh.truncate(20 * 1024**3)
    with FirmwareImage.open(root) as image:
        entry = image.entry("/huge.img")
        assert entry is not None and entry.size == 20 * 1024**3
        data = image.read_bytes("/huge.img")
        assert data is not None and len(data) == 1 << 20
        assert len(image.read_bytes("/huge.img", limit=10) or b"") == 10


def test_file_swapped_for_a_symlink_after_indexing_is_not_followed(tmp_path: Path) -> None:
    """The on-disk open refuses links even when the tree changed after it was indexed."""
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret").write_text("HOST SECRET")
    (root / "config").write_text("ok")
    with FirmwareImage.open(root) as image:
        (root / "config").unlink()
        (root / "config").symlink_to(tmp_path / "secret")
        assert image.read_bytes("/config") is None


def test_markup_and_non_utf8_names_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "<script>alert(1)<!--").write_text("x")
    bad = os.fsdecode(b"caf\xe9-\xff.conf")
    (root / bad).write_text("y")
    with FirmwareImage.open(root) as image:
        paths = {f.path for f in image.files()}
        assert "/<script>alert(1)<!--" in paths
        assert "/" + bad in paths
        assert image.read_text("/" + bad) == "y"


def _hostile_tar(path: Path, mode: str = "w") -> Path:
    return make_tar(
        path,
        [
            (_member("etc", tarfile.DIRTYPE, mode=0o755), None),
            (_member("etc/passwd"), b"root:x:0:0::/root:/bin/sh\n"),
            (_member("../escape.txt"), b"ESCAPED"),
            (_member("/abs/etc/x.txt"), b"absolute is fine: it means the image root"),
            (_member("etc/../../../escape2.txt"), b"ESCAPED"),
            (_member("evil-link", tarfile.SYMTYPE, linkname="/"), None),
            (_member("evil-link/tmp/through-link.txt"), b"ESCAPED"),
            (_member("dev-sda", tarfile.BLKTYPE, devmajor=8, devminor=0), None),
            (_member("console", tarfile.CHRTYPE, devmajor=5, devminor=1), None),
            (_member("pipe", tarfile.FIFOTYPE), None),
            (_member("bin/su", mode=0o4755), b"\x7fELF suid"),
            (_member("hard", tarfile.LNKTYPE, linkname="etc/passwd"), None),
            (_member("<img src=x onerror=alert(1)>"), b"markup"),
            (_member(os.fsdecode(b"etc/caf\xe9.conf")), b"latin-1 name"),
        ],
        mode,
    )


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz"])
def test_hostile_tar_never_escapes(tmp_path: Path, mode: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    archive = _hostile_tar(work / "fw.tar", mode)
    before = set(tmp_path.rglob("*"))
    with FirmwareImage.open(archive) as image:
        workdir = image._workdir
        assert workdir is not None and workdir.stat().st_mode & 0o777 == 0o700
        paths = {f.path for f in image.files()}
        assert "/escape.txt" not in paths and "/escape2.txt" not in paths
        assert "/abs/etc/x.txt" in paths
        assert "/evil-link/tmp/through-link.txt" not in paths
        assert any("climbing out" in n for n in image.notes)
        assert any("non-directory" in n for n in image.notes)
        for dev in ("/dev-sda", "/console", "/pipe"):
            entry = image.entry(dev)
            assert entry is not None and entry.kind is FileKind.OTHER
            assert image.read_bytes(dev) is None
        assert stat.S_ISBLK(image.entry("/dev-sda").mode)  # type: ignore[union-attr]
        su = image.entry("/bin/su")
        assert su is not None and su.mode & stat.S_ISUID  # setuid bit kept in the index
        assert image.read_text("/hard") == "root:x:0:0::/root:/bin/sh\n"
        assert image.read_text(os.fsdecode(b"/etc/caf\xe9.conf")) == "latin-1 name"
        # nothing but numbered blobs was written
        written = [p for p in workdir.rglob("*") if p.is_file()]
        assert all(p.parent.name == "blobs" and p.name.isdigit() for p in written)
    assert not workdir.exists()
    assert set(tmp_path.rglob("*")) == before  # nothing appeared next to the archive or above it
    assert not (tmp_path / "escape.txt").exists() and not Path("/escape.txt").exists()


def test_tar_with_too_many_members_is_refused_early(tmp_path: Path) -> None:
    members = [(_member(f"f{i}"), b"") for i in range(3000)]
    archive = make_tar(tmp_path / "bomb.tar", members)
    start = time.monotonic()
    with pytest.raises(FirmwareImageError, match="more than 500 entries") as err:
        FirmwareImage.open(archive, limits=UnpackLimits(max_entries=500))
    assert err.value.exit_code == 2 and err.value.diagnostics
    assert time.monotonic() - start < 10
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("securable-fw-*/blobs/2999"))


def test_tar_byte_budget_and_large_member_cap(tmp_path: Path) -> None:
    archive = make_tar(
        tmp_path / "big.tar", [(_member("a.bin"), b"A" * 5000), (_member("b.bin"), b"B" * 5000)]
    )
    with FirmwareImage.open(archive, limits=UnpackLimits(max_file_bytes=1000)) as image:
        entry = image.entry("/a.bin")
        assert entry is not None and entry.size == 5000
        assert image.read_bytes("/a.bin") == b"A" * 1000
        assert any("first 1000 bytes" in n for n in image.notes)
    with pytest.raises(FirmwareImageError, match="unpacks to over"):
        FirmwareImage.open(archive, limits=UnpackLimits(max_total_bytes=6000))


def test_unknown_format_opens_as_a_blob_with_nothing_recognised(tmp_path: Path) -> None:
    junk = tmp_path / "fw.bin"
    junk.write_bytes(b"\x00garbage" * 100)
    with FirmwareImage.open(junk) as image:
        assert image.format == "blob"
        assert image.firmware_map is not None and not image.firmware_map.recognised
        assert image.root_filesystems == []
        assert [e.path for e in image.files()] == ["/"]
        assert "nothing recognised" in image.notes[0]


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FirmwareImageError, match="does not exist"):
        FirmwareImage.open(tmp_path / "missing")


def test_damaged_tar_is_a_clean_error(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "ok.tar", [(_member("a"), b"x" * 4096)])
    data = archive.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[:1024])
    with pytest.raises(FirmwareImageError):
        FirmwareImage.open(cut)


@pytest.mark.skipif(shutil.which("mksquashfs") is None, reason="squashfs-tools not installed")
def test_squashfs_image(tmp_path: Path, rootfs: Path) -> None:
    os.mkfifo(rootfs / "fifo")
    (rootfs / "escape").symlink_to("/../../../../etc/hostname")
    image_file = tmp_path / "fw.sqfs"
    subprocess.run(
        [
            "mksquashfs",
            str(rootfs),
            str(image_file),
            "-comp",
            "gzip",
            "-quiet",
            "-no-progress",
            "-p",
            "/dev-sda b 600 0 0 8 0",
        ],
        check=True,
        capture_output=True,
    )
    with FirmwareImage.open(image_file) as image:
        assert image.format == "squashfs"
        assert image.read_text("/etc/passwd") == "root:x:0:0:root:/root:/bin/sh\n"
        assert image.stat("/bin/sh") is not None and image.stat("/bin/sh").path == "/bin/busybox"  # type: ignore[union-attr]
        fifo = image.entry("/fifo")
        assert fifo is not None and fifo.kind is FileKind.OTHER
        dev = image.entry("/dev-sda")
        assert dev is not None and dev.kind is FileKind.OTHER and image.read_bytes("/dev-sda") is None
        assert image.read_bytes("/escape") is None
        workdir = image._workdir
        assert workdir is not None
        assert not (workdir / "root" / "fifo").exists()  # scrubbed from our copy
        assert not (workdir / "root" / "dev-sda").exists()
    assert not workdir.exists()


def test_special_file_as_image_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fw.bin"
    os.mkfifo(fifo)
    with pytest.raises(FirmwareImageError, match="not a regular file or a folder"):
        FirmwareImage.open(fifo)


@pytest.mark.skipif(shutil.which("tar") is None, reason="GNU tar not installed")
def test_sparse_20_gib_tar_member_is_bounded(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    with (src / "disk.img").open("wb") as fh:
        fh.truncate(20 * 1024**3)
    archive = tmp_path / "fw.tar"
    subprocess.run(["tar", "--sparse", "-cf", str(archive), "-C", str(src), "."], check=True, timeout=60)
    assert archive.stat().st_size < 1024**2
    start = time.monotonic()
    with FirmwareImage.open(archive, limits=UnpackLimits(max_file_bytes=1 << 20)) as image:
        entry = image.entry("/disk.img")
        assert entry is not None and entry.size == 20 * 1024**3
        assert image.read_bytes("/disk.img", limit=1 << 21) == b"\0" * (1 << 20)
        assert any("first 1048576 bytes" in n for n in image.notes)
    assert time.monotonic() - start < 20


# --- truncated archives and archive bombs ----------------------------------------------------------


def _files_tar(path: Path, count: int, mode: str = "w") -> Path:
    return make_tar(path, [(_member(f"etc/f{i:02}.conf"), b"x" * 700) for i in range(count)], mode)


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_tar_truncated_at_a_block_boundary_is_refused(tmp_path: Path, mode: str) -> None:
    whole = _files_tar(tmp_path / "whole.tar", 41)
    data = whole.read_bytes()
    cut = 14 * (512 + 1024)  # 14 complete members, then the file stops at a header boundary
    truncated = tmp_path / "cut.tar"
    if mode == "w:gz":
        import gzip

        truncated = tmp_path / "cut.tar.gz"
        truncated.write_bytes(gzip.compress(data[:cut]))
    else:
        truncated.write_bytes(data[:cut])
    with pytest.raises(FirmwareImageError, match="looks truncated") as err:
        FirmwareImage.open(truncated)
    assert str(truncated) in err.value.message and "after 14 members" in err.value.message
    assert err.value.exit_code == 2 and "complete copy" in err.value.diagnostics
    with FirmwareImage.open(whole) as image:  # the complete archive still opens
        assert len(image.glob("/etc/*.conf")) == 41


def test_tar_with_a_garbled_header_is_refused(tmp_path: Path) -> None:
    data = bytearray(_files_tar(tmp_path / "ok.tar", 5).read_bytes())
    data[3 * 1536 : 3 * 1536 + 512] = b"\xff" * 512  # the fourth member's header
    bad = tmp_path / "bad.tar"
    bad.write_bytes(bytes(data))
    with pytest.raises(FirmwareImageError, match="looks truncated: a member header is damaged"):
        FirmwareImage.open(bad)


def _bomb(path: Path, size: int) -> Path:
    """A .tar.gz of one member of ``size`` zero bytes, streamed so the test never holds it in memory."""

    class Zeros(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            n = min(len(buffer), self.left)
            buffer[:n] = b"\0" * n
            self.left -= n
            return n

    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("data/zeros.bin")
        info.size = size
        tar.addfile(info, io.BufferedReader(Zeros()))
    return path


def test_archive_bomb_stops_at_the_byte_cap_naming_it(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.tar.gz", 64 * 1024**2)
    assert bomb.stat().st_size < 1024**2
    limits = UnpackLimits(max_file_bytes=1024**2, max_total_bytes=16 * 1024**2)
    with pytest.raises(FirmwareImageError, match=r"unpacks to over 16\.0 MiB") as err:
        FirmwareImage.open(bomb, limits=limits)
    assert "UnpackLimits.max_total_bytes" in err.value.message
    assert "SECURABLE_UNPACK_MAX_BYTES" in err.value.diagnostics and err.value.exit_code == 2


def test_archive_bomb_stops_at_the_time_cap_naming_it(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.tar.gz", 64 * 1024**2)
    limits = UnpackLimits(max_file_bytes=1024**2, max_seconds=0.001)
    start = time.monotonic()
    with pytest.raises(FirmwareImageError, match=r"took longer than 0\.001 s") as err:
        FirmwareImage.open(bomb, limits=limits)
    assert time.monotonic() - start < 5
    assert "SECURABLE_UNPACK_MAX_SECONDS" in err.value.diagnostics


def test_unpack_limits_from_the_environment() -> None:
    limits = UnpackLimits.from_env(
        {"SECURABLE_UNPACK_MAX_BYTES": "1024", "SECURABLE_UNPACK_MAX_SECONDS": "2.5"}
    )
    assert limits.max_total_bytes == 1024 and limits.max_seconds == 2.5
    assert limits.max_entries == UnpackLimits().max_entries
    with pytest.raises(UsageError, match="SECURABLE_UNPACK_MAX_ENTRIES='many'"):
        UnpackLimits.from_env({"SECURABLE_UNPACK_MAX_ENTRIES": "many"})

"""Vendor-style firmware blobs built with the real tools (u-boot-tools, squashfs-tools, mtd-utils,
e2fsprogs, cpio, zip), each around a small root filesystem.

The root filesystem is the clean image of the firmware integration tests; the *flawed* variant
adds an account with an empty password (``fw.credentials.empty-password`` must fail and name the
filesystem) and the metadata every format must keep: ``/etc/shadow`` 0600, a SUID ``/usr/bin/su``
and a file owned by uid 1000.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.assess.firmware.conftest import RootFS
from tests.assess.firmware.test_integration import build_clean

TOOLS = (
    "mkimage",
    "mksquashfs",
    "mkfs.jffs2",
    "mkfs.ubifs",
    "ubinize",
    "mke2fs",
    "cpio",
    "debugfs",
    "bsdtar",
    "7z",
)


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None and not Path("/usr/sbin", t).exists()]


def _run(*cmd: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(c) for c in cmd], check=True, capture_output=True, cwd=cwd)


def make_rootfs(dest: Path, *, flawed: bool) -> Path:
    fs = RootFS(dest)
    build_clean(fs)
    fs.write("/etc/shadow", "root:!:19000:0:99999:7:::\n", mode=0o600)
    fs.write("/usr/bin/su", b"\x7fELF", mode=0o4755)
    notes = fs.write("/home/guest/notes", "guest notes\n", mode=0o640)
    for path in (notes, notes.parent):
        shutil.chown(path, 1000, 1000)
    if flawed:
        fs.write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nguest:x:1000:1000::/home/guest:/bin/sh\n")
        fs.write("/etc/shadow", "root:!:19000:0:99999:7:::\nguest::19000:0:99999:7:::\n", mode=0o600)
    return dest


def uimage_kernel(work: Path) -> Path:
    """A uImage: the 64-byte U-Boot header and a gzip'd kernel stand-in, made by ``mkimage``."""
    payload = work / "kernel.gz"
    payload.write_bytes(gzip.compress(b"Linux kernel stand-in\n" * 64, mtime=0))
    out = work / "kernel.uimage"
    _run(
        "mkimage",
        "-A",
        "arm",
        "-O",
        "linux",
        "-T",
        "kernel",
        "-C",
        "gzip",
        "-a",
        "0x8000",
        "-e",
        "0x8000",
        "-n",
        "vendor kernel",
        "-d",
        payload,
        out,
    )
    return out


def squashfs(rootfs: Path, out: Path) -> Path:
    _run("mksquashfs", rootfs, out, "-comp", "gzip", "-noappend", "-quiet", "-no-progress")
    return out


def uimage_squashfs(rootfs: Path, work: Path) -> Path:
    blob = work / "firmware.bin"
    blob.write_bytes(uimage_kernel(work).read_bytes() + squashfs(rootfs, work / "rootfs.sqsh").read_bytes())
    return blob


def jffs2(rootfs: Path, work: Path) -> Path:
    out = work / "rootfs.jffs2"
    _run("mkfs.jffs2", "-r", rootfs, "-o", out, "-e", "0x10000", "-l", "-n")
    return out


def ubi(rootfs: Path, work: Path) -> Path:
    ubifs = work / "rootfs.ubifs"
    _run("mkfs.ubifs", "-r", rootfs, "-m", "2048", "-e", "129024", "-c", "64", "-o", ubifs)
    cfg = work / "ubinize.cfg"
    cfg.write_text(
        f"[rootfs]\nmode=ubi\nimage={ubifs}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\nvol_flags=autoresize\n"
    )
    out = work / "firmware.ubi"
    _run("ubinize", "-o", out, "-m", "2048", "-p", "128KiB", "-s", "512", cfg)
    return out


def ext4(rootfs: Path, work: Path) -> Path:
    out = work / "rootfs.ext4"
    _run("mke2fs", "-q", "-t", "ext4", "-d", rootfs, "-F", out, "4M")
    return out


def cpio(rootfs: Path, work: Path) -> Path:
    out = work / "initramfs.cpio"
    names = subprocess.run(["find", "."], cwd=rootfs, check=True, capture_output=True).stdout
    with out.open("wb") as fh:
        subprocess.run(
            ["cpio", "-o", "-H", "newc", "--quiet"], cwd=rootfs, input=names, stdout=fh, check=True
        )
    return out


def zipped(rootfs: Path, work: Path) -> Path:
    """An update package: a zip holding the uImage + squashfs firmware file."""
    inner = uimage_squashfs(rootfs, work)
    out = work / "update.zip"
    _run("zip", "-q", "-j", out, inner)
    return out


FORMATS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    # name: (builder, the format unblob names the root filesystem's chunk)
    "uimage-squashfs": (uimage_squashfs, "squashfs_v4_le"),
    "jffs2": (jffs2, "jffs2_new"),
    "ubi": (ubi, "ubifs"),
    "ext4": (ext4, "extfs"),
    "cpio": (cpio, "cpio_portable_ascii"),
    "zip": (zipped, "squashfs_v4_le"),
}


def zip_bomb(work: Path, size: int) -> Path:
    """A small zip whose one member inflates to ``size`` zero bytes."""
    out = work / "bomb.zip"
    block = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(size >> 20):
            member.write(block)
    return out


def nesting_bomb(work: Path, levels: int) -> Path:
    """A zip in a zip in a zip … ``levels`` deep."""
    current = work / "level0.txt"
    current.write_text("bottom\n")
    for level in range(1, levels + 1):
        out = work / f"level{level}.zip"
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(current, current.name)
        current = out
    return current

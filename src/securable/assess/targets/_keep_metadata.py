"""Extractors that keep what the firmware checks read: modes (with SUID/SGID) and owners.

Run by the blob worker as commands (``python -m`` this module ``ext|jffs2 IMAGE OUTDIR``) in place of
two of unblob's, because the tools as unblob calls them lose metadata (each case is proven by a
test in ``tests/assess/blobs``):

* **ext2/3/4** — ``debugfs rdump`` sets the mode, then the owner, and changing the owner clears
  SUID and SGID. After the dump, the modes and owners are read back *from the image* with
  ``debugfs ls -p`` (one run for all folders) and set again, owner first.
* **JFFS2** — jefferson (MIT, used as a library here) writes file modes but no owners and no
  folder modes. After its dump, its own parse of the image gives each inode's mode and owner,
  which are applied the same way.

Both only ever touch paths below OUTDIR, found without following links (``lchown``; ``chmod`` is
skipped for links).
"""

# Paths here are plain str from os.walk and jefferson, joined as str on purpose (no Path churn).
# ruff: noqa: PTH108, PTH114, PTH118

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def _apply(path: str, mode: int, uid: int, gid: int) -> None:
    with contextlib.suppress(OSError):
        st = os.lstat(path)
        if stat.S_IFMT(st.st_mode) != stat.S_IFMT(mode):
            return
        if os.geteuid() == 0:
            os.lchown(path, uid, gid)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(path, stat.S_IMODE(mode))  # noqa: PTH101 - after chown, which clears SUID


def _quote(path: str) -> str | None:
    """A path as one debugfs argument, or None when it cannot be written as one."""
    if "\n" in path or "\r" in path:
        return None
    return '"' + path.replace('"', '""') + '"'


def extract_ext(image: Path, outdir: Path) -> int:
    escaped = str(outdir).replace('"', '""')
    proc = subprocess.run(
        ["debugfs", "-R", f'rdump / "{escaped}"', str(image)], capture_output=True, check=False
    )
    sys.stderr.buffer.write(proc.stderr)
    if proc.returncode != 0:
        return proc.returncode
    folders: list[str] = []
    for dirpath, dirnames, _files in os.walk(outdir):
        rel = os.path.relpath(dirpath, outdir)
        folders.append("/" if rel == "." else "/" + rel)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    with tempfile.NamedTemporaryFile("w", suffix=".debugfs", delete=False, dir=outdir.parent) as cmds:
        for folder in folders:
            quoted = _quote(folder)
            if quoted is not None:
                cmds.write(f"ls -p {quoted}\n")

    try:
        listing = subprocess.run(
            ["debugfs", "-f", cmds.name, str(image)], capture_output=True, check=False
        ).stdout.decode("utf-8", "surrogateescape")
    finally:
        os.unlink(cmds.name)
    current: str | None = None
    for line in listing.splitlines():
        if line.startswith("debugfs: ls -p "):
            arg = line[len("debugfs: ls -p ") :].strip()
            current = arg[1:-1].replace('""', '"') if arg.startswith('"') else arg
            continue
        if current is None or not line.startswith("/"):
            continue
        fields = line.split("/")
        # "/inode/mode/uid/gid/name/size/" — a name cannot contain "/".
        if len(fields) < 7:
            continue
        name = fields[5]
        try:
            mode, uid, gid = int(fields[2], 8), int(fields[3]), int(fields[4])
        except ValueError:
            continue
        if name == "..":
            continue
        target = (
            os.path.join(outdir, current.lstrip("/"))
            if name == "."
            else os.path.join(outdir, current.lstrip("/"), name)
        )
        _apply(target, mode, uid, gid)
    return 0


def extract_jffs2(image: Path, outdir: Path) -> int:
    from jefferson import jffs2  # type: ignore[import-untyped]

    original = jffs2.dump_fs

    def dump_fs(fs: Any, target: Any) -> None:
        original(fs, target)
        # dump_fs linked every dirent to its inodes and parent; rebuild each path the same way.
        nodes = {d.ino: d for d in fs[jffs2.JFFS2_NODETYPE_DIRENT].values()}
        real_target = os.path.realpath(target)
        applied: list[tuple[str, int, int, int]] = []
        for dirent in nodes.values():
            if not getattr(dirent, "inodes", None):
                continue
            parts = [dirent.name.decode()]
            pino = dirent.pino
            for _ in range(100):
                parent = nodes.get(pino)
                if parent is None:
                    break
                parts.append(parent.name.decode())
                pino = parent.pino
            path = os.path.realpath(os.path.join(target, *reversed(parts)))
            if not path.startswith(real_target + os.sep):
                continue
            inode = dirent.inodes[-1]
            applied.append((path, inode.mode, inode.uid, inode.gid))
        # Deepest first, so a folder's own mode is set after its contents were fixed.
        for path, mode, uid, gid in sorted(applied, key=lambda a: a[0].count(os.sep), reverse=True):
            _apply(path, mode, uid, gid)

    jffs2.dump_fs = dump_fs
    return int(jffs2.extract_jffs2(image, outdir, 0))


def main(argv: list[str]) -> int:
    kind, image, outdir = argv[0], Path(argv[1]), Path(argv[2])
    if kind == "ext":
        return extract_ext(image, outdir)
    if kind == "jffs2":
        return extract_jffs2(image, outdir)
    sys.stderr.write(f"unknown filesystem kind {kind!r}\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

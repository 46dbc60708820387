"""Opening a vendor firmware blob, against unblob's own command line on the same file.

The blob is what a router or camera ships: a U-Boot uImage (``mkimage``, gzip'd kernel stand-in)
followed by a gzip squashfs of a rootfs-like tree. Measured in the same run, warm:

* **baseline** — ``unblob -d 1 -p 2 -e DIR blob``: unblob's CLI carving and extracting every chunk
  of the blob, without mining the files inside the extracted filesystems (``-d 1``), which is also
  what securable does (a root filesystem is read as a filesystem, not carved further). unblob's CLI
  wants ``sasquatch`` for squashfs, which Debian does not ship; a ``sasquatch`` on its PATH that runs
  Debian's ``unsquashfs`` gives it the same extractor securable uses.
* **extraction** — :func:`securable.assess.targets.blob.extract_blob` (the caps, the metadata
  records, the firmware map) and **open** — ``FirmwareImage.open`` (extraction plus the index of
  every root filesystem), reported separately from any assessment.

Goal: extraction at most 1.2× the baseline. Also printed for reference: the CLI at its default
depth, which additionally carves every file inside the root filesystem.

    .venv/bin/python -m benchmarks.bench_blob_extract          # 2,000 files, ~20 MB
    .venv/bin/python -m benchmarks.bench_blob_extract --full   # 10,000 files, ~150 MB
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_firmware_index import make_tree
from securable.assess.targets import FirmwareImage, UnpackLimits
from securable.assess.targets.blob import extract_blob


def build_blob(work: Path, files: int, total: int) -> tuple[Path, int]:
    rootfs = work / "rootfs"
    rootfs.mkdir()
    written = make_tree(rootfs, files, total)
    for name in ("etc", "bin", "sbin"):
        (rootfs / name).mkdir(exist_ok=True)
    (rootfs / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    squashfs = work / "rootfs.sqsh"
    subprocess.run(
        ["mksquashfs", rootfs, squashfs, "-comp", "gzip", "-noappend", "-quiet", "-no-progress"],
        check=True,
        capture_output=True,
    )
    kernel = work / "kernel.gz"
    kernel.write_bytes(gzip.compress(b"kernel stand-in\n" * 4096, mtime=0))
    uimage = work / "kernel.uimage"
    subprocess.run(
        [
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
            "bench",
            "-d",
            kernel,
            uimage,
        ],
        check=True,
        capture_output=True,
    )
    blob = work / "firmware.bin"
    blob.write_bytes(uimage.read_bytes() + squashfs.read_bytes())
    shutil.rmtree(rootfs)
    return blob, written


def sasquatch_shim(work: Path) -> Path:
    """A folder with ``sasquatch`` running Debian's unsquashfs (minus ``-le``, which only sasquatch has)."""
    shim = work / "shim"
    shim.mkdir()
    script = shim / "sasquatch"
    script.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do shift; [ "$a" = -le ] || set -- "$@" "$a"; done\n'
        f'exec {shutil.which("unsquashfs")} "$@"\n'
    )
    script.chmod(0o755)
    return shim


def unblob_cli(blob: Path, out: Path, shim: Path, depth: int | None) -> float:
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = [str(venv_bin / "unblob"), "-p", "2", "-e", str(out), "--log", str(out.parent / "unblob-cli.log")]
    if depth is not None:
        cmd += ["-d", str(depth)]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    start = time.perf_counter()
    subprocess.run([*cmd, str(blob)], check=True, capture_output=True, env=env)
    seconds = time.perf_counter() - start
    extracted = list(out.rglob("*squashfs_v4_le_extract"))
    assert extracted and any(extracted[0].iterdir()), "unblob's CLI did not extract the squashfs"
    return seconds


def ours_extract(blob: Path, scratch: Path) -> float:
    work = Path(tempfile.mkdtemp(dir=scratch))
    try:
        start = time.perf_counter()
        fmap = extract_blob(blob, work, UnpackLimits())
        seconds = time.perf_counter() - start
        assert fmap.roots, fmap.to_json()
        return seconds
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ours_open(blob: Path) -> float:
    start = time.perf_counter()
    with FirmwareImage.open(blob) as image:
        assert image.root_filesystems
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    files, total = (10_000, 150 << 20) if args.full else (2_000, 20 << 20)
    missing = [t for t in ("mksquashfs", "unsquashfs", "mkimage") if shutil.which(t) is None]
    if missing:
        print(f"skipped: {', '.join(missing)} not installed (scripts/bootstrap installs them)")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-blob-") as tmp:
        work = Path(tmp)
        blob, written = build_blob(work, files, total)
        shim = sasquatch_shim(work)
        out = work / "cli-out"
        unblob_cli(blob, out, shim, 1)  # warm the page cache and unblob's imports
        runs = 3
        baseline = min(unblob_cli(blob, out, shim, 1) for _ in range(runs))
        extraction = min(ours_extract(blob, work) for _ in range(runs))
        opened = min(ours_open(blob) for _ in range(runs))
        full_cli = unblob_cli(blob, out, shim, None)
        size = blob.stat().st_size
    print(f"blob: {size / 1e6:.1f} MB (uImage + gzip squashfs of {files} files, {written / 1e6:.0f} MB)")
    print(f"unblob CLI, -d 1 (baseline):  {baseline:6.2f} s")
    ratio = extraction / baseline
    print(f"securable extraction:         {extraction:6.2f} s   {ratio:.2f}x baseline (goal <= 1.2x)")
    print(f"securable open (+ index):     {opened:6.2f} s   {opened / baseline:.2f}x baseline")
    print(f"unblob CLI, default depth:    {full_cli:6.2f} s   (also carves every file in the rootfs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

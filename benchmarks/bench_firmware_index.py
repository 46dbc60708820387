"""Firmware-image benchmarks, each against a baseline measured in the same run on the same tree.

1. Indexing: ``FirmwareImage.open(folder)`` (one ``scandir`` + ``lstat`` walk that builds the
   index of ``ImageFile`` entries, links read) against a bare ``os.walk`` + ``os.lstat`` over the
   same tree. Ratio = ours / baseline; the index does strictly more work, so ~1-2x is the goal.
2. Reading: every regular file read whole through the image view (``iter_chunks``: chrooted
   resolution, component-by-component ``O_NOFOLLOW`` opens, ``fstat`` check) against
   ``find -type f -print0 | xargs -0 cat > /dev/null``. Reported as MB/s for both and the
   ratio; the view reads each byte once, so the ratio shows the cost of the safety checks.

3. Assessment: every registered firmware check through the engine on the same tree (one
   index, checks in parallel), reported as tree MB/s against the same ``find | xargs cat``
   baseline. Goal: >= 100 MB/s.

All run warm (page cache filled by a first pass), best of three (the assessment: one run).

    .venv/bin/python -m benchmarks.bench_firmware_index          # 5,000 files, ~50 MB
    .venv/bin/python -m benchmarks.bench_firmware_index --full   # 20,000 files, ~400 MB
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from securable.assess.engine import run_assessment
from securable.assess.model import FileKind, TargetKind
from securable.assess.registry import checks_for
from securable.assess.targets import FirmwareImage
from securable.catalog import load_catalog


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_tree(root: Path, files: int, total_bytes: int, seed: int = 8425) -> int:
    """A rootfs-like tree: nested dirs, mostly small files, a few large ones, some symlinks."""
    rng = random.Random(seed)
    dirs = [root]
    for i in range(max(1, files // 40)):
        parent = rng.choice(dirs)
        d = parent / f"d{i}"
        d.mkdir()
        dirs.append(d)
    written = 0
    big_every = 200
    small = max(1, (total_bytes // 2) // files)
    big = max(1, (total_bytes // 2) // max(1, files // big_every))
    chunk = os.urandom(1 << 20)
    for i in range(files):
        size = big if i % big_every == 0 else rng.randint(1, 2 * small)
        path = rng.choice(dirs) / f"f{i}.bin"
        with path.open("wb") as fh:
            left = size
            while left > 0:
                n = min(left, len(chunk))
                fh.write(chunk[:n])
                left -= n
        written += size
        if i % 50 == 0:
            (path.parent / f"l{i}").symlink_to(f"/{path.relative_to(root)}")
    return written


def walk_lstat(root: Path) -> int:
    n = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lstat(f"{dirpath}/{name}")
            n += 1
    return n


def read_all(image: FirmwareImage) -> int:
    total = 0
    for entry in image.files():
        if entry.kind is FileKind.FILE:
            for chunk in image.iter_chunks(entry.path):
                total += len(chunk)
    return total


def cat_all(root: Path) -> None:
    """``find ROOT -type f -print0 | xargs -0 cat > /dev/null``, without a shell."""
    with subprocess.Popen(["find", str(root), "-type", "f", "-print0"], stdout=subprocess.PIPE) as find:
        subprocess.run(["xargs", "-0", "cat"], stdin=find.stdout, stdout=subprocess.DEVNULL, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="20,000 files, ~400 MB")
    parser.add_argument("--files", type=int, default=None)
    parser.add_argument("--mb", type=int, default=None)
    args = parser.parse_args()
    files = args.files or (20_000 if args.full else 5_000)
    mb = args.mb or (400 if args.full else 50)
    with tempfile.TemporaryDirectory(prefix="bench-fw-") as tmp:
        root = Path(tmp) / "rootfs"
        root.mkdir()
        start = time.perf_counter()
        written = make_tree(root, files, mb * 1_000_000)
        built = time.perf_counter() - start
        print(f"tree: {files} files + dirs/links, {written / 1e6:.1f} MB, built in {built:.1f} s")

        walk_lstat(root)  # warm the dentry cache
        base_index = best_of(3, lambda: walk_lstat(root))
        ours_index = best_of(3, lambda: FirmwareImage.open(root).close())
        with FirmwareImage.open(root) as image:
            entries = len(image)
        print(
            f"index: {entries} entries; FirmwareImage.open {ours_index * 1000:.0f} ms, "
            f"os.walk+lstat {base_index * 1000:.0f} ms, ratio {ours_index / base_index:.2f}x "
            f"({entries / ours_index:,.0f} entries/s)"
        )

        cat_all(root)  # warm the page cache
        base_read = best_of(3, lambda: cat_all(root))
        with FirmwareImage.open(root) as image:
            got = read_all(image)
            ours_read = best_of(3, lambda: read_all(image))
        assert got == written, (got, written)
        print(
            f"read: {got / 1e6:.1f} MB; image view {got / ours_read / 1e6:.0f} MB/s, "
            f"find|xargs cat {got / base_read / 1e6:.0f} MB/s, ratio {ours_read / base_read:.2f}x "
            f"(each byte read once: {got} bytes read for {written} bytes in the tree)"
        )

        checks = checks_for([TargetKind.FIRMWARE])
        load_catalog()  # parsed once per process; not part of assessing an image
        start = time.perf_counter()
        with FirmwareImage.open(root) as image:
            result = run_assessment({TargetKind.FIRMWARE: image}, checks)
        took = time.perf_counter() - start
        print(
            f"assess: {len(checks)} firmware checks, {len(result.findings)} findings in {took:.2f} s: "
            f"{written / took / 1e6:.0f} MB/s of image (cat baseline {written / base_read / 1e6:.0f} MB/s)"
        )


if __name__ == "__main__":
    main()

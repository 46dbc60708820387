"""Component identification speed on a root filesystem of real Debian binaries, against ``cat``.

The tree is copied from this machine's own binaries (``/usr/bin``, ``/usr/sbin``, the libraries
of ``/usr/lib/x86_64-linux-gnu``, plus the strongSwan starter and an U-Boot image that
``scripts/bootstrap`` installs) into a temporary root with **no package database**, so every
component must come from its binary. Both measurements read the same tree in the same run, page
cache warm:

* **securable** — open the tree as a :class:`~securable.assess.targets.FirmwareImage` (index)
  and run the component matcher through the shared byte pass
  (:func:`~securable.assess.facts.content.content_pass`), then group the hits;
* **cat** — ``cat`` of every file to ``/dev/null`` (500 files per process): reading every byte
  once and doing nothing with it, the floor for anything that looks at the whole tree.

The ratio printed is securable time / cat time (1.0× would be "as fast as reading"), with the
throughput in MB/s; the goal set for the firmware pass is 100 MB/s end to end.

    .venv/bin/python -m benchmarks.bench_components            # about 250 MB of binaries
    .venv/bin/python -m benchmarks.bench_components --full     # every binary found (~800 MB)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from securable.assess.facts.binaries import COMPONENTS, group_hits, load_signatures
from securable.assess.facts.content import content_pass
from securable.assess.targets import FirmwareImage

SOURCES = ("/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu")
EXTRA = {
    "/usr/lib/ipsec/starter": "usr/lib/ipsec/starter",
    "/usr/lib/u-boot/qemu_arm/u-boot.bin": "boot/u-boot.bin",
}
LIB = "/usr/lib/x86_64-linux-gnu"
FIRST = (
    *("/usr/bin/busybox", "/usr/sbin/dropbear", "/usr/sbin/dnsmasq", "/usr/sbin/sshd", "/usr/bin/curl"),
    *(f"{LIB}/libcrypto.so.3", f"{LIB}/libssl.so.3", f"{LIB}/libc.so.6", f"{LIB}/libz.so.1"),
)  # copied first, so the default budget always holds these components
EXPECTED = {"busybox", "openssl", "dropbear", "openssh", "dnsmasq", "glibc", "zlib", "curl", "u-boot"}


def build_tree(root: Path, budget: int | None) -> tuple[int, int]:
    """Copy real ELF files into ``root`` until ``budget`` bytes (None: all); returns (files, bytes)."""
    files = total = 0
    candidates = (
        [(Path(s), t) for s, t in EXTRA.items()]
        + [(Path(p), p.lstrip("/")) for p in FIRST]
        + [
            (path, path.as_posix().lstrip("/"))
            for source in SOURCES
            for path in sorted(Path(source).iterdir())
            if path.is_file() and not path.is_symlink()
        ]
    )
    for path, rel in candidates:
        if not path.exists() or (root / rel).exists():
            continue
        path = path.resolve()
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF" and rel not in EXTRA.values():
                continue
        size = path.stat().st_size
        if budget is not None and total + size > budget and files:
            continue
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        files += 1
        total += size
    return files, total


def cat_tree(root: Path) -> None:
    files = [str(p) for p in sorted(root.rglob("*")) if p.is_file()]
    for index in range(0, len(files), 500):  # within the argument-length limit
        subprocess.run(["cat", *files[index : index + 500]], stdout=subprocess.DEVNULL, check=True)


def identify(root: Path) -> list[str]:
    with FirmwareImage.open(root) as image:
        found = group_hits(content_pass(image, [COMPONENTS]).of(COMPONENTS))
    return sorted(f"{c.name} {c.version or '?'}" for c in found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="every binary found instead of ~250 MB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_signatures()  # data files parsed once, outside the timing (as in a run: once per process)
    with tempfile.TemporaryDirectory(prefix="bench-components-") as tmp:
        root = Path(tmp) / "rootfs"
        files, size = build_tree(root, None if args.full else 250 * 1024 * 1024)
        print(f"tree: {files} real Debian binaries, {size / 1e6:.1f} MB, no package database")
        cat_tree(root)  # warm the page cache for both
        ours, cat = [], []
        components: list[str] = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            components = identify(root)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            cat_tree(root)
            cat.append(time.perf_counter() - t0)
        names = {line.split(" ")[0] for line in components}
        assert names >= EXPECTED, EXPECTED - names
        best_ours, best_cat = min(ours), min(cat)
        print(f"components identified: {len(components)} ({', '.join(components)})")
        print(
            f"securable identification (incl. indexing): {best_ours:.3f} s  {size / 1e6 / best_ours:.0f} MB/s"
        )
        print(
            f"cat of the same tree:                      {best_cat:.3f} s  {size / 1e6 / best_cat:.0f} MB/s"
        )
        print(f"ratio securable/cat: {best_ours / best_cat:.1f}x")


if __name__ == "__main__":
    main()

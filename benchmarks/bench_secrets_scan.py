"""Baked-secret scan speed: securable's one-pass scan against a naive scan over the same tree.

The tree is generated here: ELF-like binaries of random bytes, text configuration files and
scripts, with a few keys and tokens planted. Both scans see the same files in the same run:

* **securable** — :func:`securable.assess.facts.secrets.scan_image` through the real
  :class:`~securable.assess.targets.FirmwareImage` view: bounded reads, ``bytes.find`` markers
  before any regex, assignment regexes only on small text files;
* **naive** — read every file completely and run every pattern (PEM header, all token regexes,
  the assignment regex over the decoded text) over all of it, as a grep-style scanner does.

Both must find the same planted secrets; the ratio printed is naive time / securable time.

    .venv/bin/python -m benchmarks.bench_secrets_scan            # ~1,500 files, ~60 MB
    .venv/bin/python -m benchmarks.bench_secrets_scan --full     # ~6,000 files, ~240 MB
"""

from __future__ import annotations

import argparse
import os
import random
import re
import tempfile
import time
from pathlib import Path

from securable.assess.facts import secrets as _secret_scan
from securable.assess.targets import FirmwareImage

PLANTED = {
    "etc/app/cloud.conf": b"aws_access_key_id = AKIAZ7QXWERTYUIOPLKJ\n",
    "etc/app/db.ini": b"[db]\npassword = Zq8vL2!mW9xR\n",
    "usr/bin/uploader": b"\x7fELF\0\0ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\0",
}


def build_tree(root: Path, files: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    total = 0
    words = [b"option", b"enable", b"interface", b"port", b"user", b"timeout", b"name", b"key_file", b"path"]
    for index in range(files):
        if index % 3 == 0:
            path = root / f"usr/lib/lib{index}.so"
            data = b"\x7fELF" + rng.randbytes(rng.randint(20_000, 100_000))
        elif index % 3 == 1:
            path = root / f"usr/bin/tool{index}"
            data = b"\x7fELF" + rng.randbytes(rng.randint(8_000, 40_000))
        else:
            path = root / f"etc/conf{index % 40}/file{index}.conf"
            lines = [
                b" ".join(rng.choices(words, k=3)) + b" = " + str(rng.random()).encode() for _ in range(200)
            ]
            data = b"\n".join(lines) + b"\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
    for rel, data in PLANTED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return total


NAIVE_PATTERNS = [re.compile(rb"-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----")] + [
    rule.pattern for rule in _secret_scan.TOKEN_RULES
]


def naive_scan(root: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            data = path.read_bytes()
            rel = "/" + path.relative_to(root).as_posix()
            for pattern in NAIVE_PATTERNS:
                for _ in pattern.finditer(data):
                    found.add((rel, pattern.pattern.decode("latin-1")[:20]))
            for match in _secret_scan._ASSIGNMENT.finditer(data.decode("utf-8", "replace")):
                if _secret_scan._plausible_value(match.group(2)):
                    found.add((rel, "assignment"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="about 4x the files")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = 6000 if args.full else 1500
    with tempfile.TemporaryDirectory(prefix="bench-secrets-") as tmp:
        root = Path(tmp) / "rootfs"
        size = build_tree(root, files)
        print(f"tree: {files + len(PLANTED)} files, {size / 1e6:.1f} MB")
        naive_scan(root)  # warm the page cache for both
        ours, naive = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with FirmwareImage.open(root) as image:
                hits = _secret_scan.scan_image(image)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            naive_hits = naive_scan(root)
            naive.append(time.perf_counter() - t0)
        ours_paths = {h.path for h in hits}
        naive_paths = {p for p, _ in naive_hits}
        planted = {"/" + p for p in PLANTED}
        assert planted <= ours_paths, (planted, ours_paths)
        assert planted <= naive_paths, (planted, naive_paths)
        best_ours, best_naive = min(ours), min(naive)
        print(
            f"securable scan (incl. indexing): {best_ours:.3f} s  "
            f"{size / 1e6 / best_ours:.0f} MB/s  hits={len(hits)}"
        )
        print(
            f"naive full-read + all regexes:   {best_naive:.3f} s  {size / 1e6 / best_naive:.0f} MB/s  "
            f"hits={len(naive_hits)}"
        )
        print(f"ratio naive/securable: {best_naive / best_ours:.1f}x")


if __name__ == "__main__":
    main()

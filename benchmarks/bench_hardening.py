"""Cost of the binary-hardening, certificate and kernel-configuration readers on real binaries.

The tree is a copy of this machine's own Debian binaries and libraries (``/usr/bin``,
``/usr/sbin``, ``/usr/lib/<arch>``, the CA bundle and Debian's kernel configuration), without a
package database. Measured in the same run, page cache warm:

* **cat** — ``cat`` of every file of the tree to ``/dev/null`` (the floor: reading the bytes once);
* **hardening** — the shared byte pass with only the three matchers of this feature (ELF
  hardening with pyelftools, X.509 certificates, kernel configuration), through the real
  :class:`~securable.assess.targets.FirmwareImage` view;
* **secrets** and **all** — the pass with the secret scan alone, and with every matcher of
  ``MATCHERS``: the difference is what this feature adds to a firmware assessment;
* **full** — the whole firmware assessment of the tree (every firmware check, through the engine),
  the figure issue-level goals speak of: a root filesystem of real binaries without a package
  database.

    .venv/bin/python -m benchmarks.bench_hardening           # about 150 MB of binaries
    .venv/bin/python -m benchmarks.bench_hardening --full    # every binary and library
"""

from __future__ import annotations

import argparse
import lzma
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from securable.assess.engine import run_assessment
from securable.assess.facts.certificates import CERTIFICATES
from securable.assess.facts.content import ContentMatcher, ContentResults, content_pass
from securable.assess.facts.elf import ELF_LIMIT, ELF_MATCHER
from securable.assess.facts.firmware import MATCHERS
from securable.assess.facts.kernel_config import KERNEL_CONFIG
from securable.assess.facts.secrets import SECRETS
from securable.assess.model import TargetKind
from securable.assess.targets import FirmwareImage

SOURCES = ("/usr/bin", "/usr/sbin", f"/usr/lib/{sysconfig.get_config_var('MULTIARCH') or 'x86_64-linux-gnu'}")
KERNEL_CONFIGS = "linux-config-*/config.amd64_none_amd64.xz"


def build_tree(root: Path, budget: int) -> tuple[int, int]:
    """Copy regular files (not links) from the sources into ``root`` until ``budget`` bytes."""
    total = files = 0
    for source in SOURCES:
        for path in sorted(Path(source).rglob("*")):
            if total >= budget:
                break
            if path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            if size == 0 or size > ELF_LIMIT:
                continue
            data = path.read_bytes()
            target = root / path.relative_to("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            shutil.copymode(path, target)
            total += size
            files += 1
    extras = {
        "etc/ssl/certs/ca-certificates.crt": Path("/etc/ssl/certs/ca-certificates.crt"),
        **{
            f"boot/{p.name}": p
            for p in sorted(Path("/usr/src").glob("linux-config-*/config.amd64_none_amd64.xz"))
        },
    }
    for rel, path in extras.items():
        if path.exists():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            if path.suffix == ".xz":
                data = lzma.decompress(data)
                target = target.with_name("config-6.1.0-bench-amd64")
            target.write_bytes(data)
            total += len(data)
            files += 1
    return total, files


def cat_tree(root: Path) -> None:
    command = f"find {root} -type f -print0 | xargs -0 cat > /dev/null"
    subprocess.run(["sh", "-c", command], check=True)


def best(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--full", action="store_true", help="every binary and library, not about 150 MB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    budget = 1 << 40 if args.full else 150 * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-hardening-") as tmp:
        root = Path(tmp) / "rootfs"
        size, files = build_tree(root, budget)
        print(f"tree: {files} files of this machine's Debian system, {size / 1e6:.0f} MB")
        cat_tree(root)  # warm the page cache

        def run(matchers: tuple[ContentMatcher[object], ...]) -> Callable[[], ContentResults]:
            def once() -> ContentResults:
                with FirmwareImage.open(root) as image:
                    return content_pass(image, matchers)

            return once

        cat_s, _ = best(args.repeat, lambda: cat_tree(root))
        ours = (ELF_MATCHER, CERTIFICATES, KERNEL_CONFIG)
        hard_s, result = best(args.repeat, run(ours))
        assert isinstance(result, ContentResults)
        binaries = result.of(ELF_MATCHER)
        certs = result.of(CERTIFICATES)
        configs = result.of(KERNEL_CONFIG)
        secrets_s, _ = best(args.repeat, run((SECRETS,)))
        all_s, _ = best(args.repeat, run(MATCHERS))

        def assess_tree() -> object:
            with FirmwareImage.open(root) as image:
                return run_assessment({TargetKind.FIRMWARE: image})

        full_s, _ = best(args.repeat, assess_tree)
        mb = size / 1e6
        print(f"cat of the tree:                   {cat_s:.3f} s  {mb / cat_s:6.0f} MB/s")
        print(
            f"hardening+certificates+kernel:     {hard_s:.3f} s  {mb / hard_s:6.0f} MB/s  "
            f"({len(binaries)} ELF files, {len(certs)} certificates, {len(configs)} kernel configs)"
        )
        print(f"secret scan alone:                 {secrets_s:.3f} s  {mb / secrets_s:6.0f} MB/s")
        print(f"every matcher (one pass):          {all_s:.3f} s  {mb / all_s:6.0f} MB/s")
        print(
            f"full firmware assessment (every firmware check, no package database): "
            f"{full_s:.3f} s  {mb / full_s:6.0f} MB/s  ({full_s / cat_s:.1f}x cat; goal >= 100 MB/s)"
        )
        print(f"ratio hardening/cat: {hard_s / cat_s:.1f}x   ratio all/cat: {all_s / cat_s:.1f}x")
        print(
            f"added to the secret scan's pass by this feature: {(all_s - secrets_s) / secrets_s * 100:+.0f} %"
        )
        assert binaries and certs, "the tree must hold ELF files and the CA bundle"
    sys.stdout.flush()


if __name__ == "__main__":
    main()

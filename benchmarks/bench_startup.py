"""CLI start-up benchmark: ``securable --version`` and ``securable catalog list`` as real processes.

A command line tool is started over and over by scripts and CI, so its start-up time is paid on
every call. The CLI imports each sub-command's library half only when that sub-command runs;
this benchmark measures what that saves. The baseline, measured in the same run, is the same
command run after an *eager* import of every ``securable._cli`` module (found with ``pkgutil``,
so a new module is counted without editing this file) — which is what the CLI did before its
sub-commands imported lazily. The floor is a bare ``python -c pass``.

Each figure is the median wall time of repeated runs of a fresh interpreter (stdout to
``/dev/null``, so tables are printed as plain lines).

    .venv/bin/python -m benchmarks.bench_startup            # 7 runs per command
    .venv/bin/python -m benchmarks.bench_startup --full     # 25 runs per command
"""

from __future__ import annotations

import argparse
import pkgutil
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import securable._cli

COMMANDS: tuple[tuple[str, ...], ...] = (("--version",), ("catalog", "list"))
TARGET_SECONDS = 0.5


def _cli_modules() -> list[str]:
    return [f"securable._cli.{m.name}" for m in pkgutil.iter_modules(securable._cli.__path__) if not m.ispkg]


def _eager(argv: tuple[str, ...]) -> list[str]:
    imports = "; ".join(f"import {name}" for name in _cli_modules())
    code = f"{imports}; from securable._cli import main; main({list(argv)!r})"
    return [sys.executable, "-c", code]


def _lazy(argv: tuple[str, ...]) -> list[str]:
    script = shutil.which("securable", path=str(Path(sys.executable).parent))
    if script is None:
        return [sys.executable, "-c", f"from securable._cli import main; main({list(argv)!r})"]
    return [script, *argv]


def _median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="25 runs per command instead of 7")
    args = parser.parse_args()
    runs = 25 if args.full else 7
    floor = _median_seconds([sys.executable, "-c", "pass"], runs)
    print(f"CLI start-up, median of {runs} runs (lower is better); bare interpreter {floor * 1000:.0f} ms")
    slow = []
    for argv in COMMANDS:
        name = "securable " + " ".join(argv)
        eager = _median_seconds(_eager(argv), runs)
        lazy = _median_seconds(_lazy(argv), runs)
        print(
            f"  {name:24s} lazy {lazy * 1000:6.0f} ms   eager imports {eager * 1000:6.0f} ms"
            f"   ratio eager/lazy {eager / lazy:5.2f}"
        )
        if lazy >= TARGET_SECONDS:
            slow.append(name)
    if slow:
        print(f"  over the {TARGET_SECONDS} s target: {', '.join(slow)}")


if __name__ == "__main__":
    main()

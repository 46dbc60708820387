"""CLI start-up benchmark: ``securable --version`` and ``securable catalog list`` as real processes.

A command line tool is started over and over by scripts and CI, so its start-up time is paid on
every call. The CLI imports each sub-command's library half only when that sub-command runs;
this benchmark measures what that saves. The baseline, measured in the same run, is the same
command run after an *eager* import of every ``securable._cli`` module (found with ``pkgutil``,
so a new module is counted without editing this file) — which is what the CLI did before its
sub-commands imported lazily. The floor is a bare ``python -c pass``.

Each figure is the median of repeated runs of a fresh interpreter (stdout to ``/dev/null``, so
tables are printed as plain lines): wall time, and CPU time, on which the ratios are computed
because it barely changes when other work shares the machine.

    .venv/bin/python -m benchmarks.bench_startup            # 7 runs per command
    .venv/bin/python -m benchmarks.bench_startup --full     # 25 runs per command
"""

from __future__ import annotations

import argparse
import pkgutil
import resource
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


def _measure(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``runs`` fresh processes.

    CPU time barely moves when other work shares the machine, so the ratios use it; wall time is
    what a user waits for, so the target is checked against it.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="25 runs per command instead of 7")
    args = parser.parse_args()
    runs = 25 if args.full else 7
    floor, _ = _measure([sys.executable, "-c", "pass"], runs)
    print(
        f"CLI start-up, median of {runs} runs (lower is better; ratios on CPU time); "
        f"bare interpreter {floor * 1000:.0f} ms"
    )
    slow = []
    for argv in COMMANDS:
        name = "securable " + " ".join(argv)
        eager_wall, eager_cpu = _measure(_eager(argv), runs)
        lazy_wall, lazy_cpu = _measure(_lazy(argv), runs)
        print(
            f"  {name:24s} lazy {lazy_wall * 1000:5.0f} ms (cpu {lazy_cpu * 1000:4.0f})"
            f"   eager imports {eager_wall * 1000:5.0f} ms (cpu {eager_cpu * 1000:4.0f})"
            f"   ratio eager/lazy {eager_cpu / lazy_cpu:5.2f}"
        )
        if lazy_wall >= TARGET_SECONDS:
            slow.append(name)
    if slow:
        print(f"  over the {TARGET_SECONDS} s target (wall time; is the machine busy?): {', '.join(slow)}")


if __name__ == "__main__":
    main()

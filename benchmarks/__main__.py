"""Run every benchmark: ``python -m benchmarks [--full]`` (``make bench``).

Each benchmark measures its baseline in the same run and prints the ratio; this runner only
starts them one after another, each in its own process, and passes ``--full`` through.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    extra = [a for a in sys.argv[1:] if a == "--full"]
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    failed = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *extra])
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

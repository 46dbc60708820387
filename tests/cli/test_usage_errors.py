"""Command-line mistakes exit 2 with one line on stderr, never a traceback (the CLI contract).

Run through the installed console script, as CI runs it: exit 1 means "a requirement failed",
so a typo must not look like one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SECURABLE = Path(sys.executable).with_name("securable")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SECURABLE), *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("frobnicate",), "No such command 'frobnicate'"),
        (("catalog", "lst"), "Did you mean 'list'?"),
        (("catalgo",), "Did you mean 'catalog'?"),
        (("catalog", "list", "--no-such-option"), "No such option: --no-such-option"),
        (("assess", "--no-such-option"), "No such option: --no-such-option"),
        (("catalog", "show"), "Missing argument 'ID'"),
        ((), "needs a command: one of assess, catalog, demo, diff, verify-bundle, device, portal, update"),
        (("catalog",), "needs a command: one of list, profiles, frameworks, show, map, export"),
        (("device", "log"), "needs a command: one of verify"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_usage_error_is_one_line_and_exit_2(args: tuple[str, ...], says: str) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("securable: error: ") and says in lines[0]
    assert "--help" in lines[0]  # where to read the right usage
    assert result.stdout == ""


def test_help_and_version_exit_0() -> None:
    assert run("--help").returncode == 0
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("securable ")
    catalog_help = run("catalog", "--help")
    assert catalog_help.returncode == 0 and "list" in catalog_help.stdout

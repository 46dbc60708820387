"""Sub-commands import their library half only when they run, so the CLI starts quickly.

How quickly is measured by ``benchmarks/bench_startup.py``; these tests pin what is *loaded*,
which is what start-up time follows and which does not depend on the machine's load.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from securable._cli import COMMANDS, app
from securable._cli.lazy import Lazy

HALVES = ("securable.assess", "securable.catalog", "securable.device", "securable.portal", "securable.demo")


def _loaded_by(argv: list[str]) -> set[str]:
    code = (
        "import json, sys\n"
        "from securable._cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('\\n' + json.dumps(sorted(sys.modules)) + '\\n')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(result.stderr.splitlines()[-1]))


def _halves(modules: set[str]) -> set[str]:
    return {h for h in HALVES if any(m == h or m.startswith(h + ".") for m in modules)}


def test_version_loads_no_library_half_and_no_sub_command() -> None:
    loaded = _loaded_by(["--version"])
    assert _halves(loaded) == set()
    assert not {m for m in loaded if m.startswith("securable._cli.") and m.endswith("_cmd")}


def test_catalog_list_loads_only_the_catalog() -> None:
    loaded = _loaded_by(["catalog", "list", "--json"])
    assert _halves(loaded) == {"securable.catalog"}
    assert "securable._cli.assess_cmd" not in loaded


def test_an_unknown_command_loads_nothing() -> None:
    loaded = _loaded_by(["frobnicate"])
    assert _halves(loaded) == set()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registered_command_loads(name: str) -> None:
    entry: Lazy = COMMANDS[name]
    command = entry.load(name)
    assert command.name == name
    assert command.help  # its docstring or typer help, shown by `securable --help`


def test_help_lists_every_command_in_order() -> None:
    import typer.main

    group = typer.main.get_command(app)
    assert group.list_commands(None) == list(COMMANDS)  # type: ignore[attr-defined, arg-type]

"""``--help`` says what the README says, without noise: every command and sub-command checked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main

from securable._cli import app, main
from securable._cli.usage import click

README = Path(__file__).resolve().parents[2] / "README.md"


def _helps() -> Iterator[tuple[str, str]]:
    root = typer.main.get_command(app)

    def walk(command: click.Command, ctx: click.Context) -> Iterator[tuple[str, str]]:
        yield ctx.command_path, command.get_help(ctx)
        for name in getattr(command, "list_commands", lambda _: [])(ctx):
            sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
            yield from walk(sub, click.Context(sub, info_name=name, parent=ctx))

    yield from walk(root, click.Context(root, info_name="securable"))


HELPS = dict(_helps())


def test_every_command_has_help_and_no_type_noise_beside_flags() -> None:
    assert {"securable", "securable assess", "securable catalog profiles", "securable portal serve"} <= set(
        HELPS
    )
    for path, text in HELPS.items():
        assert "<bool>" not in text, path
        assert "╭" not in text, path  # plain layout, also on a terminal


def test_out_is_shown_as_required() -> None:
    text = " ".join(HELPS["securable assess"].split())
    out_help = text[text.index("--out <path>") : text.index("--format <")]
    assert "Required" in out_help


def test_readme_and_help_agree_on_firmware_and_report_formats() -> None:
    from securable._cli.assess_cmd import ALL_FORMATS

    readme = README.read_text(encoding="utf-8")
    firmware_help = " ".join(HELPS["securable assess"].split())
    suffixes = set(re.findall(r"\.tar(?:\.\w+)?", firmware_help))
    assert suffixes == {".tar", ".tar.gz", ".tar.xz", ".tar.bz2"}
    readme_firmware = next(line for line in readme.splitlines() if "**Firmware image**" in line)
    for suffix in suffixes - {".tar"}:
        assert suffix.lstrip(".") in readme_firmware, suffix
    assert "squashfs" in firmware_help and "squashfs" in readme_firmware
    assert f"[--format {ALL_FORMATS}]" in readme


def test_catalog_table_and_json_use_the_same_level_names(capsys: pytest.CaptureFixture[str]) -> None:
    def run(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_info:
            main(["catalog", "list", "--framework", "en303645", *args])
        assert exit_info.value.code == 0
        return capsys.readouterr().out

    rows = json.loads(run("--json"))
    table = [line.split("\t") for line in run().splitlines()[1:]]
    assert len(rows) == len(table)
    for row, cells in zip(rows, table, strict=True):
        expected = row["level"] + (" (conditional)" if row["conditional"] else "")
        assert (cells[0], cells[1]) == (row["id"], expected)

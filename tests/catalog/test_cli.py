"""`securable catalog …` as a user runs it: through the real entry point, output piped (plain text)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from securable._cli import main
from tests.cli.unwritable import KINDS, unwritable_folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_is_stable_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "list", "--framework", "nistir8425", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"id", "framework", "title", "kind", "level", "conditional", "parent", "confidence"} == set(
        rows[0]
    )
    assert all(r["framework"] == "nistir8425" for r in rows)
    assert "nistir8425:IAC-1b" in {r["id"] for r in rows}


def test_list_profile_plain_text_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "list", "--profile", "nistir8425")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("\t") == ["id", "level", "kind", "title", "confidence"]
    assert any(line.startswith("nistir8425:DP-2\t") for line in lines)
    assert "│" not in out and "┃" not in out


def test_show_item(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "show", "en303645:5.1-1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "en303645:5.1-1" and data["level"] == "shall" and data["text"]
    assert any(m["id"].startswith("nistir8425:") for m in data["mappings"])


def test_map_dp2_names_en303645_and_cra(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "map", "nistir8425:DP-2", "--json")
    assert code == 0
    mappings = json.loads(out)["mappings"]
    assert mappings["en303645"] and mappings["cra"]


def test_map_narrows_and_works_backwards(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "map", "nistir8425:IAC-1b", "--to", "en303645", "--json")
    assert code == 0
    mappings = json.loads(out)["mappings"]
    assert set(mappings) == {"en303645"}
    assert "en303645:5.1-1" in {m["id"] for m in mappings["en303645"]}
    code, out, _ = run(capsys, "catalog", "map", "en303645:5.1-1", "--to", "nistir8425", "--json")
    assert "nistir8425:IAC-1b" in {m["id"] for m in json.loads(out)["mappings"]["nistir8425"]}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("catalog", "show", "nistir8425:IAC-1x"), "did you mean"),
        (("catalog", "map", "nistir8425:DP-9"), "did you mean"),
        (("catalog", "list", "--framework", "en30364"), "did you mean en303645"),
        (("catalog", "list", "--profile", "nistir842"), "did you mean"),
        (("catalog", "map", "nistir8425:DP-2", "--to", "craa"), "did you mean cra"),
    ],
)
def test_unknown_ids_exit_2_with_suggestions(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], fragment: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_export_oscal(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(
        capsys, "catalog", "export", "--format", "oscal", "--profile", "en303645", "-o", str(tmp_path)
    )
    assert code == 0
    assert (tmp_path / "securable-catalog.json").is_file()
    assert (tmp_path / "securable-profile-en303645.json").is_file()
    code, _, err = run(capsys, "catalog", "export", "--format", "xlsx", "-o", str(tmp_path))
    assert code == 2 and "oscal" in err


@pytest.mark.parametrize("kind", KINDS)
def test_export_into_an_unwritable_folder_is_exit_2(
    kind: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = unwritable_folder(kind, tmp_path)
    code, stdout, err = run(capsys, "catalog", "export", "-o", str(out))
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("securable: error: --out: ")


def test_profiles_lists_what_profile_takes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "profiles", "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert {"nistir8425", "en303645", "cra-annex-i", "nistir8259-core"} <= set(rows)
    assert rows["nistir8425"]["default"] and rows["nistir8425"]["items"] > 0
    code, out, _ = run(capsys, "catalog", "profiles")
    assert code == 0 and out.splitlines()[0].split("\t")[0] == "id"
    assert any(line.startswith("en303645\t") for line in out.splitlines())


def test_frameworks_lists_what_framework_takes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "catalog", "frameworks", "--json")
    assert code == 0
    assert {"nistir8425", "en303645", "cra"} <= {r["id"] for r in json.loads(out)}


@pytest.mark.parametrize(
    ("args", "lister"),
    [
        (("list", "--profile", "zzz"), "securable catalog profiles"),
        (("list", "--framework", "zzz"), "securable catalog frameworks"),
        (("show", "zzz:1"), "securable catalog list"),
    ],
)
def test_unknown_id_names_the_command_that_lists_them(
    args: tuple[str, ...], lister: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "catalog", *args)
    assert code == 2 and f"`{lister}`" in err


def test_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("securable")
    proc = subprocess.run(
        [str(exe), "catalog", "show", "nope:1"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("securable: error: unknown requirement 'nope:1'")

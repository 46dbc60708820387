"""The import direction between securable's halves holds, checked on the source (AST), not by goodwill.

    catalog  <-  device  <-  demo
       ^           ^
       +----- assess  <-  portal

Only the CLI may import the portal and the demo; the catalog imports no other half; inside the
device library only ``_crypto`` touches ``cryptography.hazmat``, and no web framework is used.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "securable"
HALVES = ("catalog", "device", "assess", "portal", "demo", "_cli")
ALLOWED: dict[str, set[str]] = {
    "catalog": set(),
    "device": {"catalog"},
    "assess": {"catalog", "device"},
    "portal": {"catalog", "device", "assess"},
    "demo": {"catalog", "device", "assess"},
    "_cli": set(HALVES),
    "errors": set(),
}
WEB_FRAMEWORKS = {"fastapi", "starlette", "flask", "django", "litestar", "uvicorn", "aiohttp"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{path}: relative import; use absolute 'securable.' imports")
    return names


def _half(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SRC)))
def test_import_direction(path: Path) -> None:
    half = _half(path)
    allowed = ALLOWED.get(half, set(HALVES))
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] != "securable" or len(parts) < 2:
            continue
        target = parts[1]
        if target not in HALVES or target == half:
            continue
        assert target in allowed, f"{path.relative_to(SRC)} imports {name}: {half} may not import {target}"


@pytest.mark.parametrize(
    "path", sorted((SRC / "device").rglob("*.py")), ids=lambda p: str(p.relative_to(SRC))
)
def test_device_library_keeps_hazmat_in_one_module_and_has_no_web_framework(path: Path) -> None:
    for name in _imports(path):
        if name.startswith("cryptography.hazmat"):
            assert path.name == "_crypto.py", f"{path.relative_to(SRC)} imports {name}; use device._crypto"
        assert name.split(".")[0] not in WEB_FRAMEWORKS, f"{path.relative_to(SRC)} imports {name}"


def test_demo_uses_only_the_public_device_api() -> None:
    for path in sorted((SRC / "demo").rglob("*.py")):
        for name in _imports(path):
            parts = name.split(".")
            if parts[:2] == ["securable", "device"] and len(parts) > 2:
                assert not any(p.startswith("_") for p in parts[2:]), f"{path.name} imports private {name}"


def test_the_rule_itself_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from securable.portal import app\n")
    assert "securable.portal" in _imports(bad)
    assert "portal" not in ALLOWED["assess"]

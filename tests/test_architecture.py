"""The import direction between securable's halves holds, checked on the source (AST), not by goodwill.

    catalog  <-  device  <-  demo
       ^           ^
       +----- assess  <-  portal

Only the CLI may import the portal and the demo; the catalog imports no other half; inside the
device library only ``_crypto`` touches ``cryptography.hazmat``, and no web framework is used.
No two modules import each other, directly or round a longer loop, counting imports inside
functions (a deferred import hides a cycle from the reader, not from the design); only imports
under ``if TYPE_CHECKING:`` are left out, since they never run. Importing the device library
loads none of the manufacturer's tooling.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
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
    "netlab": set(),
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


# --- no import cycles ----------------------------------------------------------------------------


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that can run: module level and inside functions, not ``if TYPE_CHECKING:``."""
    if _is_type_checking_block(node):
        assert isinstance(node, ast.If)
        for child in node.orelse:
            yield from _runtime_import_nodes(child)
        return
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    for child in ast.iter_child_nodes(node):
        yield from _runtime_import_nodes(child)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same tree it imports (``from pkg import mod`` names ``pkg.mod``)."""
    files = {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in _runtime_import_nodes(tree):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.add(full if full in files else node.module)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_import_cycles() -> None:
    cycles = import_cycles(import_graph(SRC.parent))
    assert not cycles, "import cycles (break them by moving the shared part): " + "; ".join(
        " <-> ".join(c) for c in cycles
    )


def test_the_cycle_rule_sees_imports_inside_functions_and_skips_type_checking(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import B\n")
    (pkg / "b.py").write_text("class B:\n    def f(self):\n        from pkg import a\n        return a\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.d import D\n"
    )
    (pkg / "d.py").write_text("from pkg.c import x\n")
    assert import_cycles(import_graph(tmp_path)) == [["pkg.a", "pkg.b"]]


# --- the device library does not load the manufacturer's tools -----------------------------------

MANUFACTURER_ONLY = (
    "tuf.repository",
    "http.server",
    "securable.device.update.repository",
    "securable.device.update.server",
    "securable.device.manufacturer",
)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_importing_the_device_library_loads_no_manufacturer_tooling() -> None:
    loaded = _loaded_after(
        "import securable.device\nfrom securable.device import DeviceUpdater, FileKeystore"
    )
    assert "securable.device.update.client" in loaded  # the updater itself is there
    assert not loaded & set(MANUFACTURER_ONLY), sorted(loaded & set(MANUFACTURER_ONLY))


def test_manufacturer_tools_live_in_their_own_module_and_old_imports_warn() -> None:
    import securable.device
    from securable.device import manufacturer

    assert {"ManufacturerCA", "ReleaseRepository", "provision_device"} <= set(manufacturer.__all__)
    assert not {"ManufacturerCA", "ReleaseRepository", "provision_device"} & set(securable.device.__all__)
    with pytest.warns(DeprecationWarning, match=r"securable\.device\.manufacturer"):
        moved = securable.device.ReleaseRepository  # type: ignore[attr-defined]
    assert moved is manufacturer.ReleaseRepository
    with pytest.raises(AttributeError):
        securable.device.NoSuchName  # type: ignore[attr-defined]  # noqa: B018

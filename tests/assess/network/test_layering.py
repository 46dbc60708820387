"""The target layer stands below the checks: ``securable.assess.targets`` imports nothing from
``securable.assess.checks`` (not even lazily inside a function or for type checking), and the
live-host package reads no private name of another securable module. Checked on the source (AST).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import securable.assess.targets

TARGETS = Path(securable.assess.targets.__file__).parent
HOST = TARGETS / "host"


def _sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", _sources(TARGETS), ids=lambda p: str(p.relative_to(TARGETS)))
def test_targets_import_nothing_from_the_checks(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upward = [n for n in _imported_modules(tree) if n.startswith("securable.assess.checks")]
    assert upward == [], f"{path.name} imports {upward}: move what it needs into the target or assess.facts"


@pytest.mark.parametrize("path", _sources(HOST), ids=lambda p: p.name)
def test_host_package_reads_no_private_name_of_another_module(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound: set[str] = set()  # local names bound to securable modules
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("securable."):
            own = node.module.startswith("securable.assess.targets.host")
            for alias in node.names:
                if alias.name.startswith("_") and not own:
                    problems.append(f"from {node.module} import {alias.name}")
                bound.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("securable."):
                    bound.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            problems.append(f"{node.value.id}.{node.attr}")
    assert problems == [], f"{path.name} reads private names: {problems}"


def test_the_rule_sees_a_lazy_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from securable.assess.checks.network._x import y\n")
    assert "securable.assess.checks.network._x" in _imported_modules(tree)

"""Every check securable runs, found in the ``securable.assess.checks`` package.

A check is a module under ``checks/<kind>/`` (no leading underscore) defining one concrete
subclass of a typed check base. The registry imports those modules and collects the classes, so
adding a check never means editing a list here. The run order is the order of the checks in the
catalog's ``check-evidence.yaml`` (which every check must appear in), so the set and its order
stay reviewable in one data file and ``--list-checks`` is honest. A check module with no class,
two classes, or a class missing from the evidence data is a :class:`RegistryError` — a
programming mistake the test suite reports before anything ships.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from typing import Any

from securable.assess.check import Check
from securable.assess.model import TargetKind
from securable.catalog.evidence import load_check_evidence

__all__ = ["RegistryError", "all_checks", "check_by_id", "checks_for", "discover_checks"]

_PACKAGE = "securable.assess.checks"

#: The check family (sub-package of ``checks``) of each target kind: a run imports only the
#: families of the targets it has, so a firmware-only run never loads the web or app libraries.
FAMILIES: dict[TargetKind, str] = {
    TargetKind.FIRMWARE: "firmware",
    TargetKind.HOST: "network",
    TargetKind.DECLARATION: "declaration",
    TargetKind.DOCUMENTS: "documents",
    TargetKind.APP: "app",
    TargetKind.WEB: "web",
    TargetKind.TRAFFIC: "traffic",
}


class RegistryError(RuntimeError):
    """A check module breaks the one-module-one-check rule or lacks its evidence data."""


def _concrete_checks(module: Any) -> list[type[Check[Any]]]:
    return [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, Check)
        and obj.__module__ == module.__name__
        and "id" in vars(obj)
    ]


def discover_checks(package: str = _PACKAGE) -> list[type[Check[Any]]]:
    """Import every public module below ``package`` and return its one check class each."""
    root = importlib.import_module(package)
    found: list[type[Check[Any]]] = []
    for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
        if info.ispkg or info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        classes = _concrete_checks(module)
        if len(classes) != 1:
            names = ", ".join(c.__name__ for c in classes) or "none"
            raise RegistryError(
                f"check module {info.name} must define exactly one check class (found: {names})"
            )
        found.append(classes[0])
    return found


@functools.cache
def all_checks() -> tuple[type[Check[Any]], ...]:
    """Every registered check, in the order of the evidence data."""
    return _in_evidence_order(discover_checks())


def _in_evidence_order(checks: list[type[Check[Any]]]) -> tuple[type[Check[Any]], ...]:
    """``checks`` in the order of the evidence data; a duplicate id or a check without evidence
    data is a :class:`RegistryError`."""
    order = {check_id: n for n, check_id in enumerate(load_check_evidence())}
    ids = [c.id for c in checks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegistryError(f"check ids used twice: {', '.join(duplicates)}")
    missing = [c.id for c in checks if c.id not in order]
    if missing:
        raise RegistryError(
            f"checks without an entry in the catalog's check-evidence.yaml: {', '.join(missing)}; "
            "add each with the requirements it evidences"
        )
    return tuple(sorted(checks, key=lambda c: order[c.id]))


def checks_for(kinds: Iterable[TargetKind]) -> list[type[Check[Any]]]:
    """The registered checks whose target is one of ``kinds``, in registry order, importing only
    the check families of those kinds (a kind without a family falls back to every check)."""
    return list(_checks_for(frozenset(kinds)))


@functools.cache
def _checks_for(wanted: frozenset[TargetKind]) -> tuple[type[Check[Any]], ...]:
    if any(kind not in FAMILIES for kind in wanted):
        return tuple(c for c in all_checks() if c.target in wanted)
    found = [c for kind in wanted for c in discover_checks(f"{_PACKAGE}.{FAMILIES[kind]}")]
    return tuple(c for c in _in_evidence_order(found) if c.target in wanted)


def check_by_id(check_id: str) -> type[Check[Any]]:
    for cls in all_checks():
        if cls.id == check_id:
            return cls
    raise KeyError(check_id)

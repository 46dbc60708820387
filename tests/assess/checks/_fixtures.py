"""Per-check fixtures: ``tests/assess/checks/<check-id>/{pass,fail}[-name]/``.

Each case folder holds one of

* ``rootfs/`` — a firmware root filesystem, opened with the real ``FirmwareImage.open``;
* ``product.yaml`` — a declaration (with ``rootfs/`` beside it for a declaration-versus-image
  cross-check);
* ``case.py`` — a builder ``build(tmp: Path) -> Case`` for what files in git cannot hold
  (set-uid bits, device nodes, a scripted probe, a peer started on loopback).

and optionally ``expect.yaml`` (required for a case named otherwise, e.g. ``na-no-ssh-server``):
``verdicts`` (the exact list the check must yield, in order) and/or ``message`` (a substring
one finding's message must contain). Without it, a ``pass*`` case must yield at least one
``pass`` and no ``fail`` or ``error``; a ``fail*`` case at least one ``fail``.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from securable.assess.check import Check
from securable.assess.facts import FirmwareView
from securable.assess.model import AssessmentContext, Finding, TargetKind, Verdict
from securable.assess.targets import Declaration, FirmwareImage
from securable.catalog import load_catalog

ROOT = Path(__file__).parent


@dataclass
class Case:
    """What a builder returns: the check's target, other targets of the run, and the vulndb."""

    target: Any
    others: dict[TargetKind, Any] = field(default_factory=dict)
    vulndb: Path | None = None
    cleanup: Callable[[], None] | None = None


def fixture_dir(check_id: str) -> Path:
    return ROOT / check_id


def case_dirs(check_id: str) -> list[Path]:
    folder = fixture_dir(check_id)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and (p.name.split("-")[0] in ("pass", "fail") or (p / "expect.yaml").exists())
    )


def _builder(path: Path) -> Callable[[Path], Case]:
    spec = importlib.util.spec_from_file_location(f"_case_{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    build: Callable[[Path], Case] = module.build
    return build


@contextlib.contextmanager
def open_case(case: Path, tmp: Path) -> Iterator[Case]:
    """The targets of one case folder, opened (and closed afterwards)."""
    if (case / "case.py").exists():
        built = _builder(case / "case.py")(tmp)
        try:
            yield built
        finally:
            if built.cleanup is not None:
                built.cleanup()
        return
    with contextlib.ExitStack() as stack:
        others: dict[TargetKind, Any] = {}
        if (case / "rootfs").is_dir():
            image = stack.enter_context(FirmwareImage.open(case / "rootfs"))
            others[TargetKind.FIRMWARE] = FirmwareView(image)
        if (case / "product.yaml").exists():
            decl = Declaration.load(case / "product.yaml")
            yield Case(decl, others)
        elif TargetKind.FIRMWARE in others:
            yield Case(others.pop(TargetKind.FIRMWARE), others)
        else:
            raise AssertionError(f"{case}: holds neither rootfs/, product.yaml nor case.py")


def run_case(check: type[Check[Any]], case: Case) -> list[Finding]:
    """Run ``check`` the way the engine does: fresh instance, context with every target."""
    instance = check()
    targets = {check.target: case.target, **case.others}
    instance.context = AssessmentContext(
        profile="nistir8425", vulndb=case.vulndb, targets=targets, catalog=load_catalog()
    )
    return list(instance.evaluate(case.target))


def expectation_problems(case: Path, findings: list[Finding]) -> list[str]:
    """Why ``findings`` do not meet the case's expectation (empty when they do)."""
    verdicts = [f.verdict for f in findings]
    problems: list[str] = []
    expect_file = case / "expect.yaml"
    expect: dict[str, Any] = yaml.safe_load(expect_file.read_text()) if expect_file.exists() else {}
    if "verdicts" in expect:
        want = [Verdict(v) for v in expect["verdicts"]]
        if verdicts != want:
            problems.append(f"verdicts {[v.value for v in verdicts]} != expected {[v.value for v in want]}")
    elif case.name.startswith("pass"):
        if Verdict.PASS not in verdicts or Verdict.FAIL in verdicts or Verdict.ERROR in verdicts:
            problems.append(f"a pass case must pass without fail/error, got {[v.value for v in verdicts]}")
    elif Verdict.FAIL not in verdicts:
        problems.append(f"a fail case must fail, got {[v.value for v in verdicts]}")
    if "message" in expect and not any(expect["message"] in f.message for f in findings):
        problems.append(f"no finding says {expect['message']!r}: {[f.message for f in findings]}")
    return problems

"""Every check is a self-contained unit: registered by its module, cited as data, and shown to
both pass and fail on its own fixtures (see ``_fixtures.py`` for the folder layout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import securable
from securable.assess.check import Check
from securable.assess.registry import all_checks, discover_checks
from securable.catalog import load_catalog
from securable.catalog.evidence import evidence_problems, load_check_evidence

from ._fixtures import ROOT, case_dirs, expectation_problems, open_case, run_case

CHECKS = all_checks()
CASES = [(c, case) for c in CHECKS for case in case_dirs(c.id)]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_check_has_a_pass_and_a_fail_fixture(check: type[Check[Any]]) -> None:
    names = [p.name.split("-")[0] for p in case_dirs(check.id)]
    assert "pass" in names and "fail" in names, (
        f"{check.id}: add tests/assess/checks/{check.id}/pass/ and .../fail/ (see _fixtures.py)"
    )


@pytest.mark.parametrize(("check", "case"), CASES, ids=[f"{c.id}/{p.name}" for c, p in CASES])
def test_check_meets_its_fixture(check: type[Check[Any]], case: Path, tmp_path: Path) -> None:
    with open_case(case, tmp_path) as built:
        findings = run_case(check, built)
    assert findings, f"{check.id} yielded no finding on {case.name}: a check must always say something"
    problems = expectation_problems(case, findings)
    assert not problems, f"{check.id} on {case.name}: {problems}"


def _subclasses(cls: type[Any]) -> set[type[Any]]:
    out: set[type[Any]] = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_every_check_class_is_registered() -> None:
    discover_checks()  # import every check module
    registered = set(CHECKS)
    shipped = {
        c for c in _subclasses(Check) if c.__module__.startswith(securable.__name__ + ".") and "id" in vars(c)
    }
    assert shipped - registered == set(), (
        "check classes outside the registry (move them under assess/checks/)"
    )


def test_fixture_folders_belong_to_registered_checks() -> None:
    ids = {c.id for c in CHECKS}
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders - ids == set(), "fixture folders for checks that do not exist"


def test_evidence_data_names_exactly_the_registered_checks() -> None:
    assert set(load_check_evidence()) == {c.id for c in CHECKS}


def test_evidence_data_agrees_with_the_catalog_and_its_crosswalks() -> None:
    assert evidence_problems(load_catalog(), load_check_evidence()) == []


def test_checks_cite_what_the_data_says() -> None:
    data = load_check_evidence()
    for check in CHECKS:
        assert check.evidences == data[check.id].requirements

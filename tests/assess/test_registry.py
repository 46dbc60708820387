"""The check registry: one explicit list, stable unique ids, documented checks citing real requirements."""

from __future__ import annotations

import re

import pytest

from securable.assess.check import Check
from securable.assess.model import TargetKind
from securable.assess.registry import all_checks, check_by_id, checks_for
from securable.catalog import load_catalog

ID = re.compile(r"^(fw|net|host|decl|doc|app|traffic|web)\.[a-z0-9-]+(\.[a-z0-9-]+)*$")


def test_every_check_is_complete_and_unique() -> None:
    ids = [c.id for c in all_checks()]
    assert len(ids) == len(set(ids))
    for cls in all_checks():
        assert issubclass(cls, Check)
        assert ID.match(cls.id), cls.id
        assert cls.title and cls.evidences and isinstance(cls.target, TargetKind)
        assert len(cls.describe()) > 80, f"{cls.id} needs a docstring saying what, why and how to fix"
        assert check_by_id(cls.id) is cls
        kinds = {"fw": TargetKind.FIRMWARE, "net": TargetKind.HOST, "host": TargetKind.HOST}
        kinds["decl"] = TargetKind.DECLARATION
        kinds["doc"] = TargetKind.DOCUMENTS
        kinds["app"] = TargetKind.APP
        kinds["traffic"] = TargetKind.TRAFFIC
        kinds["web"] = TargetKind.WEB
        assert cls.target is kinds[cls.id.split(".")[0]], cls.id
    with pytest.raises(KeyError):
        check_by_id("fw.nope")
    assert checks_for([TargetKind.DECLARATION]) == [
        c for c in all_checks() if c.target is TargetKind.DECLARATION
    ]


def test_every_cited_requirement_exists_in_the_package_catalog() -> None:
    catalog = load_catalog()
    for cls in all_checks():
        unknown = [r for r in cls.evidences if r not in catalog]
        assert not unknown, f"{cls.id} cites unknown IDs {unknown}"


def test_each_check_family_holds_exactly_the_checks_of_its_target_kind() -> None:
    """A run imports only the families of its targets (registry.FAMILIES): that is complete only if
    every check lives in the family of its kind."""
    from securable.assess.registry import FAMILIES, discover_checks

    seen: set[str] = set()
    for kind, family in FAMILIES.items():
        members = discover_checks(f"securable.assess.checks.{family}")
        assert all(c.target is kind for c in members), family
        assert checks_for([kind]) == [c for c in all_checks() if c.target is kind]
        seen |= {c.id for c in members}
    assert seen == {c.id for c in all_checks()}


def test_a_firmware_run_does_not_import_the_web_or_app_families() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from securable.assess.registry import checks_for; "
        "from securable.assess.model import TargetKind; checks_for([TargetKind.FIRMWARE]); "
        "print(sorted(m for m in sys.modules if m.startswith(('securable.assess.checks.web', "
        "'securable.assess.checks.app', 'androguard', 'pysnmp'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

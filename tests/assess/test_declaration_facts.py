"""The declaration facts several checks read: typed, computed once per declaration, defaulted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from securable.assess.checks.declaration._common import profile_requirements
from securable.assess.model import AssessmentContext
from securable.assess.targets import Declaration
from securable.assess.targets.declaration import CollectedData, DeclaredService, SupportPeriod
from securable.catalog import Catalog

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "product.yaml"
BARE = "schema: securable/product/v1\nproduct: {name: X, manufacturer: Y}\n"


def test_services_are_typed_in_declared_order() -> None:
    decl = Declaration.load(EXAMPLE)
    assert decl.services == (
        DeclaredService("httpd", 443, "https", True, "local configuration"),
        DeclaredService("mqtt-client", None, "", True, "cloud connection"),
    )
    assert decl.services is decl.services  # computed once
    assert Declaration.from_text(BARE).services == ()


def test_support_period_reads_months_as_their_last_day() -> None:
    support = Declaration.load(EXAMPLE).support
    assert support == SupportPeriod(
        end=dt.date(2031, 3, 31),
        start=dt.date(2025, 3, 31),
        end_text="2031-03",
        start_text="2025-03",
        statement_url="https://example.com/th-200/support",
    )
    exact = Declaration.from_text(BARE + "support: {end: 2031-03-15}\n").support
    assert exact.end == dt.date(2031, 3, 15) and exact.start is None and exact.end_text == "2031-03-15"
    assert Declaration.from_text(BARE).support == SupportPeriod()


def test_data_collected_and_documentation() -> None:
    decl = Declaration.load(EXAMPLE)
    assert decl.data_collected == (
        CollectedData("room temperature history", personal=False),
        CollectedData("account e-mail", personal=True),
    )
    assert decl.documentation["decommissioning"] == "https://example.com/th-200/reset-and-disposal"
    assert decl.documentation is decl.documentation
    bare = Declaration.from_text(BARE)
    assert bare.data_collected == () and bare.documentation == {}


def test_implemented_evidence_only_for_implemented_statements() -> None:
    decl = Declaration.load(EXAMPLE)
    assert decl.implemented_evidence("nistir8425:DP-2") == ("https://example.com/th-200/reset-and-disposal",)
    assert decl.implemented_evidence("nistir8425:IAC-2c") == ()  # not_applicable
    assert decl.implemented_evidence("nistir8425:XX-1") == ()  # no statement


def test_profile_requirements_from_the_engine_or_the_catalog(catalog: Catalog) -> None:
    assert profile_requirements(None) == ()
    given = AssessmentContext(profile="nistir8425", requirement_ids=("nistir8425:AI-1",), catalog=catalog)
    assert profile_requirements(given) == ("nistir8425:AI-1",)
    named = AssessmentContext(profile="nistir8425", catalog=catalog)
    assert profile_requirements(named) == catalog.profile("nistir8425").item_ids
    assert profile_requirements(AssessmentContext(profile="nistir8425")) == ()

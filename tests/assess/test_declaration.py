"""product.yaml: schema validation with one-line errors, and each declaration check's pass and fail."""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from securable.assess.check import Check
from securable.assess.checks.declaration.disclosure import DisclosureCheck
from securable.assess.checks.declaration.documentation import DocumentationCheck
from securable.assess.checks.declaration.manual_review import ManualReviewCheck
from securable.assess.checks.declaration.statements import RequirementStatementsCheck
from securable.assess.checks.declaration.support_period import SupportPeriodCheck
from securable.assess.checks.declaration.update_policy import UpdatePolicyCheck
from securable.assess.engine import run_assessment
from securable.assess.model import AssessmentContext, Finding, TargetKind, Verdict
from securable.assess.registry import checks_for
from securable.assess.targets import Declaration
from securable.assess.targets.declaration import load_schema
from securable.catalog import Catalog
from securable.errors import DeclarationError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "product.yaml"
TODAY = dt.date(2026, 11, 28)


def good(catalog: Catalog, end_year: int = TODAY.year + 6) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["support"] = {
        "start": f"{TODAY.year}-01",
        "end": f"{end_year}-12",
        "statement_url": "https://e.example/s",
    }
    reqs: dict[str, Any] = {}
    for req_id in catalog.profile("nistir8425").item_ids:
        reqs[req_id] = {"status": "implemented", "evidence": [f"https://e.example/{req_id.split(':')[1]}"]}
    reqs["nistir8425:IAC-2c"] = {"status": "not_applicable", "justification": "single component"}
    data["requirements"] = reqs
    return data


def run(check: Check, data: dict[str, Any], catalog: Catalog | None = None) -> list[Finding]:
    decl = Declaration.from_mapping(data)
    if catalog is not None:
        check.context = AssessmentContext(
            profile="nistir8425", requirement_ids=catalog.profile("nistir8425").item_ids, catalog=catalog
        )
    return list(check.evaluate(decl))


def verdicts(findings: list[Finding]) -> list[str]:
    return [f.verdict.value for f in findings]


# --- the schema and the loader ---------------------------------------------------------------


def test_schema_is_valid_and_example_loads() -> None:
    Draft202012Validator.check_schema(load_schema())
    decl = Declaration.load(EXAMPLE)
    assert decl.product_name == "Example Smart Thermostat"
    assert decl.context == "consumer"
    assert decl.statements["nistir8425:IAC-2c"].status == "not_applicable"
    assert decl.statements["nistir8425:IAC-2c"].justification
    assert decl.kind is TargetKind.DECLARATION


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema="securable/product/v0"), "field 'schema' must be 'securable/product/v1'"),
        (lambda d: d["support"].update(end="2031-13"), "field 'support.end'"),
        (
            lambda d: d["support"].update(end="2031-02-30"),
            "field 'support.end': '2031-02-30' is not a real date",
        ),
        (lambda d: d.update(colour="red"), "field '(top level)'"),
        (lambda d: d["interfaces"][0].update(port=70000), "field 'interfaces.0.port'"),
        (
            lambda d: d["requirements"].update({"nistir8425:AI-1": {"status": "done"}}),
            "requirements.nistir8425:AI-1",
        ),
        (lambda d: d["product"].pop("name"), "'name' is a required property"),
    ],
)
def test_bad_declarations_fail_with_one_line_naming_the_field(mutate: Any, message: str) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(DeclarationError) as err:
        Declaration.from_mapping(data, ref="product.yaml")
    assert message in str(err.value)
    assert err.value.exit_code == 2 and err.value.diagnostics and "\n" not in str(err.value)


def test_yaml_syntax_error_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "product.yaml"
    bad.write_text("schema: securable/product/v1\nproduct: [unclosed\n")
    with pytest.raises(DeclarationError, match="line 3: not valid YAML"):
        Declaration.load(bad)
    with pytest.raises(DeclarationError, match="does not exist"):
        Declaration.load(tmp_path / "missing.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(DeclarationError, match="not a regular file"):
        Declaration.load(tmp_path / "fifo.yaml")  # refused, never opened (a FIFO would block)


def test_yaml_dates_are_accepted() -> None:
    decl = Declaration.from_text(
        "schema: securable/product/v1\nproduct: {name: X, manufacturer: Y}\nsupport: {end: 2031-03-31}\n"
    )
    assert decl.section("support")["end"] == "2031-03-31"


# --- each check: pass and fail ---------------------------------------------------------------


def test_support_period(catalog: Catalog) -> None:
    """Beyond the fixtures: the period is measured from the declared start, and publication may come
    from ``documentation.end_of_support``; without either link the publication finding fails."""
    check = SupportPeriodCheck(today=lambda: TODAY)
    assert verdicts(run(check, good(catalog))) == ["pass", "manual"]
    short = good(catalog, end_year=TODAY.year + 2)
    findings = run(check, short)
    assert (
        verdicts(findings) == ["fail", "manual"] and "expected to get at least 5 years" in findings[0].message
    )
    assert findings[0].evidence["months"] == 35 and findings[0].evidence["context"] == "consumer"
    unpublished = good(catalog)
    del unpublished["support"]["statement_url"]
    assert verdicts(run(check, unpublished)) == ["pass", "manual"]  # documentation.end_of_support
    del unpublished["documentation"]["end_of_support"]
    findings = run(check, unpublished)
    assert verdicts(findings) == ["pass", "fail"] and findings[1].requirements == (
        "en303645:5.3-13",
        "nistir8425:ID-1b",
        "cra:AII.7",
    )
    assert findings[1].location is not None and findings[1].location.field == "support.statement_url"


def test_disclosure_contact_may_be_a_web_form(catalog: Catalog) -> None:
    data = good(catalog)
    data["disclosure"] = {"contact": "https://e.example/report", "policy_url": "https://e.example/p"}
    assert verdicts(run(DisclosureCheck(), data)) == ["pass", "manual"]


def test_documentation_evidence_names_links_and_non_links(catalog: Catalog) -> None:
    data = good(catalog)
    data["documentation"]["guide"] = "docs/guide.pdf"
    findings = run(DocumentationCheck(), data)
    assert verdicts(findings) == ["manual"] and len(findings[0].evidence["links"]) == 4
    assert findings[0].evidence["not_links"] == ["guide"]


def test_update_policy_absent_fails_mechanism_and_publication(catalog: Catalog) -> None:
    data = good(catalog)
    del data["update_policy"]
    findings = run(UpdatePolicyCheck(), data)
    assert verdicts(findings) == ["fail", "fail"]
    assert [f.location.field for f in findings if f.location] == [
        "update_policy.mechanism",
        "update_policy.url",
    ]


def test_statements_ics(catalog: Catalog) -> None:
    findings = run(RequirementStatementsCheck(), good(catalog), catalog)
    assert verdicts(findings) == ["not_applicable", "pass"]
    assert findings[0].requirements == ("nistir8425:IAC-2c",)
    data = good(catalog)
    data["requirements"]["nistir8425:IAC-2c"] = {"status": "not_applicable", "justification": "  "}
    data["requirements"]["nistir8425:SU-1"] = {"status": "not_implemented", "justification": "no updater yet"}
    del data["requirements"]["nistir8425:AI-1"]
    data["requirements"]["nistir8425:IAC-9z"] = {"status": "implemented"}
    findings = run(RequirementStatementsCheck(), data, catalog)
    by_msg = {f.message: f for f in findings}
    na = by_msg["nistir8425:IAC-2c is declared not applicable without a justification"]
    assert na.verdict is Verdict.FAIL and na.requirements == ("nistir8425:IAC-2c", "en303645:4-1")
    assert by_msg["nistir8425:SU-1 is declared not implemented"].verdict is Verdict.FAIL
    unknown = by_msg["1 statement(s) name requirement IDs the catalog does not know"]
    assert unknown.evidence["unknown"] == ["nistir8425:IAC-9z"]
    missing = by_msg["1 of 13 profile requirements have no statement"]
    assert missing.evidence == {"missing": ["nistir8425:AI-1"]}


def test_manual_review(catalog: Catalog) -> None:
    findings = run(ManualReviewCheck(), good(catalog), catalog)
    reviewed = {f.requirements[0] for f in findings}
    assert reviewed == {
        "nistir8425:DOC-1a",
        "nistir8425:DOC-1c",
        "nistir8425:IQR-1a",
        "nistir8425:ID-1a",
        "nistir8425:ID-1b",
        "nistir8425:EA-1a",
        "nistir8425:EA-1e",
    }  # the technical outcomes (AI, IAC, SU) are for the firmware and network checks
    assert set(verdicts(findings)) == {"manual"}
    data = good(catalog)
    data["requirements"]["nistir8425:EA-1a"] = {"status": "implemented"}
    findings = run(ManualReviewCheck(), data, catalog)
    ea = next(f for f in findings if f.requirements == ("nistir8425:EA-1a",))
    assert ea.verdict is Verdict.INCONCLUSIVE


def test_complete_declaration_through_the_engine_has_no_fail(catalog: Catalog) -> None:
    decl = Declaration.from_mapping(good(catalog))
    result = run_assessment(
        {TargetKind.DECLARATION: decl}, checks_for([TargetKind.DECLARATION]), catalog=catalog
    )
    assert not result.failed, [f.message for f in result.findings if f.verdict is Verdict.FAIL]
    got = {r.id: r.verdict for r in result.requirements}
    assert got["nistir8425:IAC-2c"] is Verdict.NOT_APPLICABLE
    assert got["nistir8425:IQR-1a"] is Verdict.MANUAL  # contact present (pass) + a person reviews (manual)
    assert got["nistir8425:AI-1"] is Verdict.PASS  # decl.identification: the product is named uniquely
    broken = copy.deepcopy(good(catalog))
    del broken["disclosure"]
    result = run_assessment(
        {TargetKind.DECLARATION: Declaration.from_mapping(broken)},
        checks_for([TargetKind.DECLARATION]),
        catalog=catalog,
    )
    assert {r.id: r.verdict for r in result.requirements}["nistir8425:IQR-1a"] is Verdict.FAIL


def test_boot_services_cross_check(catalog: Catalog, rootfs: Path) -> None:
    from securable.assess.checks.declaration.boot_services import BootServicesDeclaredCheck, normalise
    from securable.assess.targets import FirmwareImage

    assert [normalise(n) for n in ("S50httpd", "/x/telnetd.socket", "getty@tty1.service", "K10dropbear")] == [
        "httpd",
        "telnetd",
        "getty",
        "dropbear",
    ]
    wants = rootfs / "etc" / "systemd" / "system" / "multi-user.target.wants"
    wants.mkdir(parents=True)
    units = rootfs / "lib" / "systemd" / "system"
    units.mkdir(parents=True)
    for unit in ("sshd.service", "systemd-networkd.service"):  # a wants-link to a missing unit starts nothing
        (units / unit).write_text("[Service]\nExecStart=/usr/sbin/daemon\n")
    (wants / "sshd.service").symlink_to("/lib/systemd/system/sshd.service")
    (wants / "systemd-networkd.service").symlink_to("/lib/systemd/system/systemd-networkd.service")

    def run_with(services: list[dict[str, Any]], image: FirmwareImage | None) -> list[Finding]:
        data = good(catalog)
        data["services"] = services
        check = BootServicesDeclaredCheck()
        targets = {TargetKind.FIRMWARE: image} if image is not None else {}
        check.context = AssessmentContext(profile="nistir8425", targets=targets, catalog=catalog)
        return list(check.evaluate(Declaration.from_mapping(data)))

    with FirmwareImage.open(rootfs) as image:
        assert verdicts(run_with([{"name": "httpd"}, {"name": "ssh"}], image)) == ["pass"]
        findings = run_with([{"name": "httpd"}], image)
        assert verdicts(findings) == ["fail"]
        assert findings[0].evidence["service"] == "sshd"
        assert findings[0].location is not None
        assert findings[0].location.path == "/etc/systemd/system/multi-user.target.wants/sshd.service"
    (rootfs / "etc" / "inetd.conf").write_text(
        "# comment\ntelnet stream tcp nowait root /usr/sbin/telnetd telnetd\n"
    )
    with FirmwareImage.open(rootfs) as image:
        findings = run_with([{"name": "httpd"}, {"name": "sshd"}], image)
        assert verdicts(findings) == ["fail"] and findings[0].evidence["service"] == "telnet"
    # no firmware target: not applicable, citing nothing (the fixture na-no-firmware checks the message)
    (absent,) = run_with([], None)
    assert absent.verdict is Verdict.NOT_APPLICABLE and absent.requirements == ()


def test_declaration_only_run_leaves_the_boot_cross_check_requirement_not_assessed(catalog: Catalog) -> None:
    """Without --firmware, decl.boot-services has nothing to look at; IAC-1a stays not_assessed."""
    decl = Declaration.from_mapping(good(catalog))
    result = run_assessment(
        {TargetKind.DECLARATION: decl}, checks_for([TargetKind.DECLARATION]), catalog=catalog
    )
    boot = [f for f in result.findings if f.check == "decl.boot-services"]
    assert [f.verdict for f in boot] == [Verdict.NOT_APPLICABLE] and boot[0].evidence["scope"] == "check"
    assert {r.id: r.verdict for r in result.requirements}["nistir8425:IAC-1a"] is Verdict.NOT_ASSESSED


def test_every_declaration_check_says_how_to_fix_product_yaml(catalog: Catalog) -> None:
    from securable.catalog import load_catalog

    real = load_catalog()
    for check in checks_for([TargetKind.DECLARATION]):
        fix = check.remediation
        assert fix is not None and fix.summary and fix.references, check.id
        assert yaml.safe_load(fix.example), f"{check.id}: the example must be a product.yaml snippet"
        assert all(ref in real for ref in fix.references), check.id

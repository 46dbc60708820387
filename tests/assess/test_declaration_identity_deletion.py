"""``decl.identification`` and ``decl.data-deletion``: pass, fail and the in-between verdicts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from securable.assess.check import Check
from securable.assess.checks.declaration.data_deletion import DataDeletionCheck, deletion_guidance
from securable.assess.checks.declaration.identification import IdentificationCheck, image_version
from securable.assess.engine import EngineOptions, run_assessment
from securable.assess.model import AssessmentContext, Finding, TargetKind, Verdict
from securable.assess.registry import check_by_id, checks_for
from securable.assess.targets import Declaration, FirmwareImage
from securable.catalog import Catalog, load_catalog

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "product.yaml"
DP2 = "nistir8425:DP-2"


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


def run(check: Check, data: dict[str, Any], image: FirmwareImage | None = None) -> list[Finding]:
    targets: dict[TargetKind, Any] = {TargetKind.FIRMWARE: image} if image is not None else {}
    check.context = AssessmentContext(profile="nistir8425", targets=targets)
    return list(check.evaluate(Declaration.from_mapping(data)))


def verdicts(findings: list[Finding]) -> list[str]:
    return [f.verdict.value for f in findings]


def fields(findings: list[Finding]) -> list[str | None]:
    return [f.location.field if f.location is not None else None for f in findings]


# --- decl.identification ---------------------------------------------------------------------


def test_identification_passes_on_a_complete_product_section() -> None:
    findings = run(IdentificationCheck(), example())
    assert verdicts(findings) == ["pass"]
    assert findings[0].evidence == {
        "name": "Example Smart Thermostat",
        "model": "TH-200",
        "version": "2.4.1",
        "identifier": "GTIN 0000000000000",
    }
    assert set(findings[0].requirements) == {
        "nistir8425:AI-1",
        "nistir8259a:DI-1",
        "nistir8259a:DI-2",
        "en303645:5.3-16",
        "cra:AII.3",
    }


@pytest.mark.parametrize("missing", ["version", "identifier"])
def test_identification_fails_naming_the_missing_field(missing: str) -> None:
    data = example()
    del data["product"][missing]
    findings = run(IdentificationCheck(), data)
    assert verdicts(findings) == ["fail"]
    assert fields(findings) == [f"product.{missing}"]
    assert f"product.{missing} is missing" in findings[0].message
    assert "nistir8425:AI-1" in findings[0].requirements


def test_identification_model_may_come_from_the_identifier() -> None:
    data = example()
    del data["product"]["model"]
    assert verdicts(run(IdentificationCheck(), data)) == ["pass"]
    del data["product"]["identifier"]  # now neither model nor unit identification is stated
    findings = run(IdentificationCheck(), data)
    assert verdicts(findings) == ["fail", "fail"]
    assert fields(findings) == ["product.model", "product.identifier"]
    assert "en303645:5.3-16" in findings[0].requirements
    assert "nistir8259a:DI-1" in findings[1].requirements


def test_identification_blank_values_count_as_missing() -> None:
    data = example()
    data["product"]["version"] = "   "
    assert fields(run(IdentificationCheck(), data)) == ["product.version"]


def _with_os_release(rootfs: Path, text: str) -> Path:
    (rootfs / "etc" / "os-release").write_text(text)
    return rootfs


def test_identification_cross_checks_the_image_version(rootfs: Path) -> None:
    _with_os_release(rootfs, 'NAME="Thermo OS"\nVERSION_ID="12"\nIMAGE_VERSION="2.4.1"\n')
    with FirmwareImage.open(rootfs) as image:
        assert image_version(image) == ("2.4.1", "IMAGE_VERSION", "/etc/os-release")
        findings = run(IdentificationCheck(), example(), image)
    assert verdicts(findings) == ["pass", "pass"]
    assert findings[1].location is not None and findings[1].location.path == "/etc/os-release"

    _with_os_release(rootfs, 'NAME="Thermo OS"\nVERSION="2.3.0 (stable)"\n')
    with FirmwareImage.open(rootfs) as image:
        findings = run(IdentificationCheck(), example(), image)
    assert verdicts(findings) == ["pass", "fail"]
    assert findings[1].evidence == {"declared": "2.4.1", "image": "2.3.0 (stable)", "image_key": "VERSION"}
    assert "2.4.1" in findings[1].message and "VERSION=2.3.0 (stable)" in findings[1].message


def test_identification_without_a_version_to_compare_adds_nothing(rootfs: Path) -> None:
    with FirmwareImage.open(rootfs) as image:  # the fixture's os-release has only VERSION_ID
        assert image_version(image) is None
        assert verdicts(run(IdentificationCheck(), example(), image)) == ["pass"]
    _with_os_release(rootfs, "IMAGE_VERSION=9.9\n")
    data = example()
    del data["product"]["version"]
    with FirmwareImage.open(rootfs) as image:  # nothing declared: only the missing field fails
        assert fields(run(IdentificationCheck(), data, image)) == ["product.version"]


# --- decl.data-deletion ----------------------------------------------------------------------


def test_deletion_guidance_keys() -> None:
    docs = {
        "decommissioning": "https://e.example/d",
        "factory_reset": "https://e.example/r",
        "data-deletion": "https://e.example/x",
        "Disposal": "https://e.example/y",
        "security_guide": "https://e.example/g",
    }
    assert set(deletion_guidance(docs)) == {"decommissioning", "factory_reset", "data-deletion", "Disposal"}


def test_data_deletion_with_guidance_goes_to_a_person() -> None:
    findings = run(DataDeletionCheck(), example())
    assert verdicts(findings) == ["manual"]
    assert "a person must follow them" in findings[0].message
    assert findings[0].evidence["links"] == ["https://example.com/th-200/reset-and-disposal"]
    assert findings[0].evidence["documents"] == {
        "decommissioning": "https://example.com/th-200/reset-and-disposal"
    }
    assert fields(findings) == ["documentation.decommissioning"]
    assert DP2 in findings[0].requirements and "en303645:5.11-3" in findings[0].requirements


def test_data_deletion_fails_when_personal_data_has_no_instructions() -> None:
    data = example()
    del data["documentation"]["decommissioning"]
    findings = run(DataDeletionCheck(), data)
    assert verdicts(findings) == ["fail"]
    assert findings[0].evidence == {"personal_data": ["account e-mail"]}
    assert "account e-mail" in findings[0].message
    assert fields(findings) == ["documentation.decommissioning"]


def test_data_deletion_not_applicable_only_when_nothing_is_collected() -> None:
    data = example()
    del data["documentation"]["decommissioning"]
    del data["data_collected"]
    data["requirements"][DP2] = {"status": "not_applicable", "justification": "stores no customer data"}
    findings = run(DataDeletionCheck(), data)
    assert verdicts(findings) == ["not_applicable"]
    assert findings[0].evidence == {"justification": "stores no customer data", "scope": "requirement"}

    data["requirements"][DP2] = {"status": "not_applicable"}  # unjustified: not enough
    assert verdicts(run(DataDeletionCheck(), data)) == ["inconclusive"]

    collecting = example()
    collecting["requirements"][DP2] = {"status": "not_applicable", "justification": "we think not"}
    findings = run(DataDeletionCheck(), collecting)
    assert verdicts(findings) == ["fail", "manual"]  # the claim contradicts data_collected
    assert fields(findings)[0] == f"requirements.{DP2}"
    assert findings[0].evidence["data_collected"] == ["room temperature history", "account e-mail"]


def test_data_deletion_without_instructions_or_personal_data() -> None:
    data = example()
    del data["documentation"]["decommissioning"]
    data["data_collected"] = [{"name": "room temperature history", "personal": False}]
    findings = run(DataDeletionCheck(), data)  # DP-2 implemented with evidence: reviewer gets it
    assert verdicts(findings) == ["manual"]
    assert findings[0].evidence["links"] == ["https://example.com/th-200/reset-and-disposal"]
    data["requirements"][DP2] = {"status": "implemented"}
    assert verdicts(run(DataDeletionCheck(), data)) == ["inconclusive"]


# --- registry, engine, shipped example -------------------------------------------------------


def test_both_checks_are_registered_for_declarations() -> None:
    declaration_checks = checks_for([TargetKind.DECLARATION])
    assert check_by_id("decl.identification") in declaration_checks
    assert check_by_id("decl.data-deletion") in declaration_checks


def test_every_cited_requirement_exists_in_the_catalog() -> None:
    catalog = load_catalog()
    for check in (IdentificationCheck, DataDeletionCheck):
        assert [r for r in check.evidences if r not in catalog] == [], check.id


def test_example_assesses_without_fail_and_the_checks_decide_ai1_and_dp2(catalog: Catalog) -> None:
    checks = [IdentificationCheck, DataDeletionCheck]
    result = run_assessment({TargetKind.DECLARATION: Declaration.load(EXAMPLE)}, checks, catalog=catalog)
    assert not result.failed, [f.message for f in result.findings if f.verdict is Verdict.FAIL]
    got = {r.id: r.verdict for r in result.requirements}
    assert got["nistir8425:AI-1"] is Verdict.PASS

    real = load_catalog()
    result = run_assessment(
        {TargetKind.DECLARATION: Declaration.load(EXAMPLE)},
        checks_for([TargetKind.DECLARATION]),
        catalog=real,
    )
    assert not result.failed, [f.message for f in result.findings if f.verdict is Verdict.FAIL]
    got = {r.id: r.verdict for r in result.requirements}
    assert got["nistir8425:AI-1"] is Verdict.PASS
    assert got[DP2] is Verdict.MANUAL

    broken = copy.deepcopy(example())
    del broken["product"]["identifier"]
    del broken["documentation"]["decommissioning"]
    result = run_assessment({TargetKind.DECLARATION: Declaration.from_mapping(broken)}, checks, catalog=real)
    got = {r.id: r.verdict for r in result.requirements}
    assert got["nistir8425:AI-1"] is Verdict.FAIL and got[DP2] is Verdict.FAIL
    result = run_assessment(
        {TargetKind.DECLARATION: Declaration.from_mapping(broken)},
        checks,
        options=EngineOptions(profile="en303645"),
        catalog=real,
    )
    got = {r.id: r.verdict for r in result.requirements}
    assert got["en303645:5.11-3"] is Verdict.FAIL and got["en303645:5.11-1"] is Verdict.FAIL

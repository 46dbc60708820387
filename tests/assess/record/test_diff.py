"""securable diff: verdict changes, findings by fingerprint, components, vulnerabilities, regressions;
SARIF baselineState validated against the OASIS schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from securable.assess.assessment import Assessment
from securable.assess.decisions import apply_decisions, parse_decisions
from securable.assess.diff import ReportError, diff_files, diff_reports, load_report, with_baseline
from securable.assess.model import Severity, Verdict
from securable.assess.reports import json_report, sarif
from securable.catalog import Catalog
from tests.assess.record._build import build, finding

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "sarif-schema-2.1.0.json"


def _bom(*components: tuple[str, str]) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "components": [
            {"name": n, "version": v, "purl": f"pkg:deb/debian/{n}@{v}?arch=armhf"} for n, v in components
        ],
    }


def _vuln(component: str, version: str, vuln: str) -> Any:
    return finding(
        "fw.sbom.vulnerabilities",
        Verdict.FAIL,
        ["nistir8425:SU-2"],
        path="/var/lib/dpkg/status",
        severity=Severity.HIGH,
        message=f"{component} {version} is affected by {vuln}",
        component=component,
        version=version,
        vulnerability=vuln,
    )


@pytest.fixture
def releases(catalog: Catalog) -> tuple[Assessment, Assessment]:
    old = build(
        catalog,
        [
            finding(
                "fw.sbom.inventory",
                Verdict.PASS,
                ["nistir8425:AI-1"],
                path="/var/lib/dpkg/status",
                cyclonedx=_bom(("openssl", "3.0.1"), ("busybox", "1.35"), ("telnetd", "0.17")),
            ),
            _vuln("openssl", "3.0.1", "CVE-2024-0001"),
            finding(
                "fw.credentials.empty",
                Verdict.FAIL,
                ["nistir8425:IAC-1b"],
                path="/etc/shadow",
                account="root",
            ),
            finding("fw.docs", Verdict.MANUAL, ["nistir8425:DOC-1a"], path="/doc"),
        ],
    )
    new = build(
        catalog,
        [
            finding(
                "fw.sbom.inventory",
                Verdict.PASS,
                ["nistir8425:AI-1"],
                path="/var/lib/dpkg/status",
                message="4 components",
                cyclonedx=_bom(("openssl", "3.0.2"), ("busybox", "1.35"), ("dropbear", "2022.83")),
            ),
            _vuln("openssl", "3.0.2", "CVE-2024-0001"),  # still affected: same finding
            _vuln("dropbear", "2022.83", "CVE-2025-0002"),
            finding("fw.docs", Verdict.FAIL, ["nistir8425:DOC-1a"], path="/doc"),
        ],
    )
    return old, new


def _json(assessment: Assessment) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json_report.render(assessment))
    return data


def test_diff_reports_every_kind_of_change_and_flags_the_regressions(
    releases: tuple[Assessment, Assessment],
) -> None:
    old, new = (_json(a) for a in releases)
    diff = diff_reports(old, new)
    changes = {c.id: (c.old, c.new, c.worse) for c in diff.requirements}
    assert changes["nistir8425:IAC-1b"] == ("fail", "not_assessed", False)
    assert changes["nistir8425:DOC-1a"] == ("manual", "fail", True)
    assert [f["check"] for _fp, f in diff.new_findings] == ["fw.sbom.vulnerabilities"]
    assert [f["check"] for _fp, f in diff.gone_findings] == ["fw.credentials.empty"]
    assert [(o, n) for _fp, o, n in diff.changed_findings] == [("manual", "fail")]
    comps = {c.name: (c.old_version, c.new_version) for c in diff.components}
    assert comps == {"openssl": ("3.0.1", "3.0.2"), "telnetd": ("0.17", None), "dropbear": (None, "2022.83")}
    assert diff.new_vulnerabilities == [("CVE-2025-0002", "dropbear")]
    assert diff.regression and len(diff.regressions) == 4
    out = diff.to_json()
    assert out["components"]["removed"] == [{"name": "telnetd", "version": "0.17"}]
    assert "no regression" not in "\n".join(diff.lines())
    # the other way round is an improvement, apart from the telnetd/openssl finding coming back
    back = diff_reports(new, old)
    assert not any(c.worse for c in back.requirements if c.id == "nistir8425:DOC-1a")


def test_same_report_twice_is_no_regression_and_accepted_risks_do_not_regress(
    catalog: Catalog, releases: tuple[Assessment, Assessment]
) -> None:
    old, new = releases
    assert not diff_reports(_json(new), _json(new)).regression
    accept = [
        {
            "finding": fp,
            "decision": "accepted_risk",
            "expires": "2025-12-31",
            "reviewer": "J",
            "date": "2025-05-01",
            "rationale": "mitigated",
        }
        for fp, f in zip(new.fingerprints, new.findings, strict=True)
        if f.verdict is Verdict.FAIL and f.check != "fw.docs"
    ]
    accept.append(
        {
            "requirement": "nistir8425:DOC-1a",
            "decision": "accepted_risk",
            "expires": "2025-12-31",
            "reviewer": "J",
            "date": "2025-05-01",
            "rationale": "docs in 2.1",
        }
    )
    decided = apply_decisions(
        new, parse_decisions({"schema": "securable/decisions/v1", "decisions": accept}), catalog=catalog
    )
    assert not decided.failed
    diff = diff_reports(_json(old), _json(decided))
    assert not diff.regression, diff.regressions


def test_sarif_with_baseline_validates_and_carries_baseline_state(
    tmp_path: Path, releases: tuple[Assessment, Assessment]
) -> None:
    old, new = releases
    old_path = tmp_path / "old.json"
    old_path.write_bytes(json_report.render(old))
    compared = with_baseline(new, old_path)
    log = json.loads(sarif.render(compared))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = list(Draft4Validator(schema).iter_errors(log))
    assert not errors, [e.message for e in errors[:5]]
    states = [(r["ruleId"], r["baselineState"]) for r in log["runs"][0]["results"]]
    assert states == [
        ("fw.sbom.inventory", "unchanged"),
        ("fw.sbom.vulnerabilities", "unchanged"),
        ("fw.sbom.vulnerabilities", "new"),
        ("fw.docs", "updated"),
        ("fw.credentials.empty", "absent"),
    ]
    assert all(r["fingerprints"]["securable/v1"].startswith("v1:") for r in log["runs"][0]["results"])
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["baselineState"] = "gone"
    assert not Draft4Validator(schema).is_valid(broken)
    report = _json(compared)
    assert report["baseline"]["absent"] == [log["runs"][0]["results"][-1]["fingerprints"]["securable/v1"]]


def test_sarif_marks_an_accepted_risk_as_an_accepted_suppression(
    catalog: Catalog, releases: tuple[Assessment, Assessment]
) -> None:
    _old, new = releases
    fp = new.fingerprints[2]
    decided = apply_decisions(
        new,
        parse_decisions(
            {
                "schema": "securable/decisions/v1",
                "decisions": [
                    {
                        "finding": fp,
                        "decision": "accepted_risk",
                        "expires": "2025-09-30",
                        "reviewer": "Jane Roe",
                        "date": "2025-05-01",
                        "rationale": "not reachable",
                    }
                ],
            }
        ),
        catalog=catalog,
    )
    log = json.loads(sarif.render(decided))
    assert not list(Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).iter_errors(log))
    result = log["runs"][0]["results"][2]
    assert result["suppressions"][0]["status"] == "accepted"
    assert "Jane Roe" in result["suppressions"][0]["justification"]
    assert result["properties"]["decision"]["status"] == "accepted"


def test_reports_that_are_not_securable_reports_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    for content, message in (
        (b"{", "not JSON"),
        (b'{"schema": "other"}', "not a securable/report/v1"),
        (b'{"schema": "securable/report/v1"}', "field"),
    ):
        bad.write_bytes(content)
        with pytest.raises(ReportError, match=message) as info:
            load_report(bad)
        assert info.value.exit_code == 2
    with pytest.raises(ReportError, match="cannot be read"):
        diff_files(tmp_path / "missing.json", bad)

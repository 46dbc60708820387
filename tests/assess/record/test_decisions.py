"""decisions.yaml: loading untrusted input, and folding reviewer verdicts into an assessment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from securable.assess.assessment import Assessment
from securable.assess.decisions import (
    DecisionsError,
    apply_decisions,
    load_decisions,
    parse_decisions,
    stale,
)
from securable.assess.fingerprint import fingerprint, fingerprints
from securable.assess.model import Verdict
from securable.assess.reports import json_report
from securable.catalog import Catalog
from tests.assess.record._build import build, finding

REPORT_SCHEMA = Path(__file__).resolve().parents[3] / "src/securable/assess/data/report.schema.json"


def _entry(**kw: Any) -> dict[str, Any]:
    base = {
        "decision": "pass",
        "reviewer": "Jane Roe",
        "date": "2025-05-30",
        "rationale": "Reviewed the manual.",
    }
    base.update(kw)
    return base


def _decide(catalog: Catalog, assessment: Assessment, *entries: dict[str, Any]) -> Assessment:
    decisions = parse_decisions({"schema": "securable/decisions/v1", "decisions": list(entries)})
    return apply_decisions(assessment, decisions, catalog=catalog)


def _req(assessment: Assessment, req_id: str) -> Verdict:
    return {r.id: r.verdict for r in assessment.requirements}[req_id]


def _valid_report(assessment: Assessment) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(json_report.render(assessment))
    Draft202012Validator(json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))).validate(report)
    return report


@pytest.fixture
def mixed(catalog: Catalog) -> Assessment:
    return build(
        catalog,
        [
            finding("fw.docs.review", Verdict.MANUAL, ["nistir8425:DOC-1a"], path="/usr/share/doc/README"),
            finding(
                "fw.credentials.empty",
                Verdict.FAIL,
                ["nistir8425:IAC-1b"],
                path="/etc/shadow",
                account="root",
            ),
            finding("fw.inventory", Verdict.PASS, ["nistir8425:AI-1"], path="/etc/os-release"),
            finding("fw.update", Verdict.INCONCLUSIVE, ["nistir8425:SU-1"], path="/sbin/update"),
        ],
    )


def test_fingerprint_is_stable_over_wording_lines_and_counts_but_not_over_what_was_found() -> None:
    a = finding(
        "fw.x", Verdict.FAIL, ["nistir8425:AI-1"], path="/etc/shadow", message="one", account="root", size=1
    )
    b = finding(
        "fw.x", Verdict.PASS, ["nistir8425:AI-1"], path="/etc/shadow", message="two", account="root", size=9
    )
    c = finding("fw.x", Verdict.FAIL, ["nistir8425:AI-1"], path="/etc/shadow", account="admin")
    assert fingerprint(a) == fingerprint(b) == fingerprint(a.to_json())
    assert fingerprint(a) != fingerprint(c)
    assert fingerprint(a).startswith("v1:") and len(fingerprint(a)) == 35
    assert fingerprints([a, b, c]) == [fingerprint(a), fingerprint(a) + ":2", fingerprint(c)]


def test_reviewer_verdict_replaces_manual_and_inconclusive_and_is_marked_human(
    catalog: Catalog, mixed: Assessment
) -> None:
    update_fp = mixed.fingerprints[3]
    decided = _decide(
        catalog,
        mixed,
        _entry(requirement="nistir8425:DOC-1a", evidence=["https://example.com/manual"]),
        _entry(finding=update_fp, decision="pass"),
        _entry(requirement="nistir8425:EA-1a", decision="not_applicable"),  # not_assessed before
    )
    assert _req(decided, "nistir8425:DOC-1a") is Verdict.PASS
    assert _req(decided, "nistir8425:SU-1") is Verdict.PASS
    assert _req(decided, "nistir8425:EA-1a") is Verdict.NOT_APPLICABLE
    assert decided.findings[3].verdict is Verdict.PASS
    assert [d.status for d in decided.decisions] == ["applied", "applied", "applied"]
    report = _valid_report(decided)
    by_id = {r["id"]: r for r in report["requirements"]}
    assert by_id["nistir8425:DOC-1a"]["decision"]["reviewer"] == "Jane Roe"
    assert by_id["nistir8425:DOC-1a"]["automated_verdict"] == "manual"
    assert report["findings"][3]["decision"]["status"] == "applied"
    assert report["findings"][3]["automated_verdict"] == "inconclusive"
    assert report["findings"][3]["fingerprint"] == update_fp
    assert decided.failed  # the FAIL found by the check is untouched


def test_a_decision_never_hides_a_fail_found_by_a_check(catalog: Catalog, mixed: Assessment) -> None:
    decided = _decide(
        catalog,
        mixed,
        _entry(requirement="nistir8425:IAC-1b", decision="pass"),
        _entry(finding=mixed.fingerprints[1], decision="not_applicable"),
    )
    assert _req(decided, "nistir8425:IAC-1b") is Verdict.FAIL
    assert decided.findings[1].verdict is Verdict.FAIL
    assert [d.status for d in decided.decisions] == ["refused", "refused"]
    assert decided.failed and not decided.accepted_risks


def test_an_unexpired_risk_acceptance_covers_a_fail_and_the_report_shows_it(
    catalog: Catalog, mixed: Assessment
) -> None:
    accept = _entry(finding=mixed.fingerprints[1], decision="accepted_risk", expires="2025-12-31")
    decided = _decide(catalog, mixed, accept)
    assert _req(decided, "nistir8425:IAC-1b") is Verdict.FAIL  # still shown as a fail
    assert decided.accepted_risks == {"nistir8425:IAC-1b": "2025-12-31"}
    assert not decided.failed  # but no longer fails the run
    report = _valid_report(decided)
    req = {r["id"]: r for r in report["requirements"]}["nistir8425:IAC-1b"]
    assert req["risk_accepted"] == {"until": "2025-12-31"}
    assert report["findings"][1]["decision"]["status"] == "accepted"
    # the same acceptance, judged after its expiry date, no longer covers the fail
    later = apply_decisions(
        mixed,
        parse_decisions({"schema": "securable/decisions/v1", "decisions": [accept]}),
        catalog=catalog,
        today=dt.date(2026, 1, 1),
    )
    assert later.failed and later.decisions[0].status == "expired"


def test_requirement_level_risk_acceptance_and_a_reviewer_fail(catalog: Catalog, mixed: Assessment) -> None:
    decided = _decide(
        catalog,
        mixed,
        _entry(requirement="nistir8425:IAC-1b", decision="accepted_risk", expires="2025-07-01"),
        _entry(requirement="nistir8425:AI-1", decision="fail"),
    )
    assert decided.accepted_risks == {"nistir8425:IAC-1b": "2025-07-01"}
    assert _req(decided, "nistir8425:AI-1") is Verdict.FAIL
    assert decided.failed  # the reviewer's own fail counts


def test_decisions_for_things_that_no_longer_exist_are_stale(catalog: Catalog, mixed: Assessment) -> None:
    decided = _decide(
        catalog,
        mixed,
        _entry(requirement="nistir8425:XX-9"),
        _entry(requirement="en303645:5.1-1"),
        _entry(finding="v1:" + "0" * 32),
    )
    assert [d.status for d in stale(decided)] == ["stale", "stale", "stale"]
    assert "profile" in decided.decisions[1].note
    report = _valid_report(decided)
    assert [d["status"] for d in report["decisions"]] == ["stale", "stale", "stale"]


HEAD = "schema: securable/decisions/v1\ndecisions:\n"
ROW = "- {requirement: 'nistir8425:AI-1', reviewer: J, rationale: r, "


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema: securable/decisions/v1\ndecisions: &a []\nx: *a\n", "aliases"),
        ("schema: securable/decisions/v0\ndecisions: []\n", "field 'schema'"),
        (HEAD + ROW + "decision: accepted_risk, date: 2025-01-01}\n", "expires"),
        (HEAD + ROW + "decision: pass, date: 2025-02-30}\n", "not a real date"),
        (
            HEAD + ROW + "decision: pass, date: 2025-02-01, evidence: [../../etc/passwd]}\n",
            "inside the decisions",
        ),
        (HEAD + ROW + "decision: pass, date: 2025-02-01, evidence: [missing.pdf]}\n", "not found"),
        (
            HEAD + ROW + "decision: pass, date: 2025-02-01}\n" + ROW + "decision: fail, date: 2025-02-01}\n",
            "second decision",
        ),
        ("schema: securable/decisions/v1\ndecisions:\n- {decision: pass}\n", "decisions.0"),
        ("schema: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_decisions_files_are_refused_with_one_line_naming_the_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DecisionsError) as info:
        load_decisions(path)
    assert message in str(info.value)
    assert info.value.exit_code == 2 and "\n" not in str(info.value)


def test_oversized_decisions_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_bytes(b"#" * (2 << 20))
    with pytest.raises(DecisionsError, match="larger than"):
        load_decisions(path)


def test_evidence_files_are_found_next_to_the_decisions_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "manual.pdf").write_bytes(b"%PDF-1.7")
    path = tmp_path / "decisions.yaml"
    path.write_text(
        "schema: securable/decisions/v1\ndecisions:\n- requirement: 'nistir8425:DOC-1a'\n  decision: pass\n"
        "  reviewer: Jane Roe\n  date: 2025-05-30\n  rationale: manual section 4\n"
        "  evidence: [docs/manual.pdf, 'https://example.com/x']\n",
        encoding="utf-8",
    )
    loaded = load_decisions(path)
    assert loaded.entries[0].date == dt.date(2025, 5, 30)
    assert loaded.evidence_files() == [("docs/manual.pdf", tmp_path / "docs" / "manual.pdf")]

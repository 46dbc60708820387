"""Decisions in OSCAL assessment-results (trestle's NIST-schema models), and the diff/verify-bundle CLI."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from securable._cli.record_cmd import diff, verify_bundle
from securable.assess.bundle import signer_from_pem, write_bundle
from securable.assess.decisions import apply_decisions, parse_decisions
from securable.assess.model import Verdict
from securable.assess.reports import json_report, oscal
from securable.catalog import Catalog
from tests.assess.record._build import build, finding
from tests.assess.record.test_bundle import _pem_key


def _decided(catalog: Catalog):  # type: ignore[no-untyped-def]
    assessment = build(
        catalog,
        [
            finding("fw.docs", Verdict.MANUAL, ["nistir8425:DOC-1a"], path="/doc"),
            finding("fw.cred", Verdict.FAIL, ["nistir8425:IAC-1b"], path="/etc/shadow", account="root"),
        ],
    )
    entries = [
        {
            "requirement": "nistir8425:DOC-1a",
            "decision": "pass",
            "reviewer": "Jane Roe",
            "date": "2025-05-30",
            "rationale": "manual section 4",
            "evidence": ["https://example.com/manual"],
        },
        {
            "finding": assessment.fingerprints[1],
            "decision": "accepted_risk",
            "expires": "2025-12-31",
            "reviewer": "Max Mustermann",
            "date": "2025-05-30",
            "rationale": "factory jig only",
        },
    ]
    return assessment, apply_decisions(
        assessment,
        parse_decisions({"schema": "securable/decisions/v1", "decisions": entries}),
        catalog=catalog,
    )


def test_oscal_records_decisions_as_assessor_findings_with_the_reviewer_as_party(
    catalog: Catalog, tmp_path: Path
) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    _plain, decided = _decided(catalog)
    path = tmp_path / "oscal-ar.json"
    path.write_bytes(oscal.render(decided))
    model = AssessmentResults.oscal_read(path)
    assert isinstance(model, AssessmentResults)
    parties = {p.name: str(p.uuid) for p in model.metadata.parties or []}
    assert set(parties) == {"Jane Roe", "Max Mustermann"}
    assert [r.id for r in model.metadata.roles or []] == ["assessor"]
    result = model.results[0]
    observations = {str(o.uuid): o for o in result.observations or []}
    by_target = {f.target.target_id: f for f in result.findings or []}
    doc = by_target["nistir8425_DOC-1a"]
    assert doc.target.status.state.value == "satisfied"
    assert str(doc.origins[0].actors[0].actor_uuid) == parties["Jane Roe"]
    assert doc.origins[0].actors[0].role_id == "assessor"
    linked = [observations[str(r.observation_uuid)] for r in doc.related_observations or []]
    decision_obs = [o for o in linked if "EXAMINE" in o.methods]
    assert decision_obs and decision_obs[0].relevant_evidence[0].href == "https://example.com/manual"
    iac = by_target["nistir8425_IAC-1b"]
    props = {p.name: p.value for p in iac.props or []}
    assert props["verdict"] == "fail" and props["risk-accepted-until"] == "2025-12-31"
    assert str(iac.origins[0].actors[0].actor_uuid) == parties["Max Mustermann"]


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("diff")(diff)
    app.command("verify-bundle")(verify_bundle)
    return app


def test_cli_diff_exits_1_only_on_regression_and_verify_bundle_prints_the_result(
    catalog: Catalog, tmp_path: Path
) -> None:
    plain, decided = _decided(catalog)
    old, new, worse = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "worse.json"
    old.write_bytes(json_report.render(decided))
    new.write_bytes(json_report.render(decided))
    worse.write_bytes(json_report.render(plain))  # without the decisions: DOC manual, IAC fail unaccepted
    runner = CliRunner()
    same = runner.invoke(_app(), ["diff", str(old), str(new), "--fail-on", "regression"])
    assert same.exit_code == 0 and "no regression" in same.output
    bad = runner.invoke(_app(), ["diff", str(old), str(worse), "--fail-on", "regression"])
    assert bad.exit_code == 1 and "WORSE" in bad.output
    as_json = runner.invoke(_app(), ["diff", str(old), str(worse), "--json"])
    assert as_json.exit_code == 0 and json.loads(as_json.output)["regression"] is True
    key = _pem_key(tmp_path / "k.pem")
    bundle = write_bundle(tmp_path / "b.tar", decided, signer_from_pem(key))
    ok = runner.invoke(_app(), ["verify-bundle", str(bundle), "--key", str(key.with_suffix(".pub"))])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output and "accepted risk: nistir8425:IAC-1b until 2025-12-31" in ok.output

"""``oscal-ar.json``: OSCAL assessment-results, for GRC tools and test labs.

Mapping (see the design notes on OSCAL's two-state finding status):

* each target → an ``inventory-item`` in ``local-definitions`` (subject of its observations);
* each finding of a check → an ``observation`` (method ``TEST`` for firmware and host checks,
  ``EXAMINE`` for declaration checks; the exact verdict, check id, severity and requirement IDs as
  props in securable's namespace);
* each requirement of the profile → a ``finding`` targeting its objective (``<framework>_<item>``,
  the control IDs of ``securable catalog export``), with ``related-observations`` pointing at the
  observations that decided it. Status: pass → satisfied/pass; fail → not-satisfied/fail;
  not_applicable → satisfied/other; everything else (manual, inconclusive, error, not_assessed)
  → not-satisfied/other. The exact verdict always travels in the ``verdict`` prop;
* ``reviewed-controls`` lists every requirement of the profile.

Reviewer decisions (``--decisions``) are the assessor's findings: each reviewer is a ``party``
(role ``assessor``) in ``metadata``; each decision that is not stale becomes an observation
(method ``EXAMINE``, ``origins`` = the reviewer, ``relevant-evidence`` = its links and files,
``collected`` = the decision date), and the requirement finding it decided names the reviewer
in its ``origins``, links that observation and carries ``decision``/``decided-by`` props (and
``risk-accepted-until`` for an accepted risk).

``import-ap`` is mandatory in OSCAL; securable runs without a separate assessment plan, so it
points at a fragment naming the profile, as NIST's own minimal example does.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from securable.assess.assessment import Assessment, display, iso
from securable.assess.model import TargetKind, Verdict
from securable.catalog.oscal import NS, OSCAL_VERSION, oscal_id

_STATUS = {
    Verdict.PASS: ("satisfied", "pass"),
    Verdict.FAIL: ("not-satisfied", "fail"),
    Verdict.NOT_APPLICABLE: ("satisfied", "other"),
}


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": display(value).strip() or "-"}


def _one_line(text: str) -> str:
    return " ".join(display(text).split()) or "-"


def render(assessment: Assessment) -> bytes:
    data = assessment.to_json()
    target_uuid = {(t.kind, t.component): str(uuid.uuid4()) for t in assessment.targets}
    check_target = {c.id: c.target for c in assessment.checks}
    inventory = [
        {
            "uuid": target_uuid[(t.kind, t.component)],
            "description": _one_line(f"{t.kind.value} target: {t.ref}"),
            "props": [
                {"name": "asset-type", "value": "other"},
                _prop("target-kind", t.kind.value),
                *([_prop("component", t.component)] if t.component else []),
            ],
        }
        for t in assessment.targets
    ]
    observations: list[dict[str, Any]] = []
    for item, as_json in zip(assessment.findings, data["findings"], strict=True):
        kind = check_target.get(item.check, TargetKind.FIRMWARE)
        obs: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "title": _one_line(f"{item.check}: {item.verdict.value}"),
            "description": _one_line(as_json["message"]),
            "props": [
                _prop("verdict", item.verdict.value),
                _prop("check", item.check),
                _prop("severity", item.severity.value),
                *(_prop("requirement", r) for r in item.requirements),
                *([_prop("component", item.component)] if item.component else []),
            ],
            "methods": ["EXAMINE" if kind is TargetKind.DECLARATION else "TEST"],
            "types": ["finding"],
            "collected": iso(assessment.finished),
            "remarks": json.dumps(
                {"location": as_json.get("location", {}), "evidence": as_json["evidence"]}, ensure_ascii=False
            ),
        }
        subject = target_uuid.get((kind, item.component)) or target_uuid.get((kind, None))
        if subject is not None:
            obs["subjects"] = [{"subject-uuid": subject, "type": "inventory-item"}]
        observations.append(obs)
    parties: dict[str, str] = {}
    decision_obs: dict[str, list[str]] = {}  # requirement id -> decision observation uuids
    decision_party: dict[str, list[str]] = {}  # requirement id -> reviewer party uuids
    for record in assessment.decisions:
        if record.status == "stale":
            continue
        party = parties.setdefault(record.reviewer, str(uuid.uuid4()))
        actor = {"type": "party", "actor-uuid": party, "role-id": "assessor"}
        obs = {
            "uuid": str(uuid.uuid4()),
            "title": _one_line(f"reviewer decision on {record.scope} {record.target}: {record.decision}"),
            "description": _one_line(record.rationale),
            "props": [
                _prop("decision", record.decision),
                _prop("decision-status", record.status),
                _prop("decided-by", record.reviewer),
                *([_prop("risk-accepted-until", record.expires)] if record.expires else []),
            ],
            "methods": ["EXAMINE"],
            "types": ["finding"],
            "origins": [{"actors": [actor]}],
            "collected": f"{record.date}T00:00:00Z",
            "remarks": _one_line(record.note or record.status),
        }
        if record.evidence:
            obs["relevant-evidence"] = [
                {"href": quote(display(e), safe=":/#?=&%@+~"), "description": _one_line(f"evidence: {e}")}
                for e in record.evidence
            ]
        observations.append(obs)
        if record.scope == "requirement":
            reqs = [record.target]
        else:
            reqs = [r.id for r in assessment.requirements if set(record.findings) & set(r.findings)]
        for req_id in reqs:
            decision_obs.setdefault(req_id, []).append(obs["uuid"])
            if record.human:
                decision_party.setdefault(req_id, []).append(party)
    findings: list[dict[str, Any]] = []
    for req in assessment.requirements:
        state, reason = _STATUS.get(req.verdict, ("not-satisfied", "other"))
        finding: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "title": _one_line(f"{req.id}: {req.title}"),
            "description": _one_line(
                f"{req.id} is {req.verdict.value}"
                + (f" (checks: {', '.join(req.checks)})" if req.checks else " (no check bore on it)")
            ),
            "props": [_prop("verdict", req.verdict.value), _prop("requirement", req.id)],
            "target": {
                "type": "objective-id",
                "target-id": oscal_id(req.id),
                "status": {"state": state, "reason": reason},
            },
        }
        related = [observations[i]["uuid"] for i in req.findings] + decision_obs.get(req.id, [])
        if related:
            finding["related-observations"] = [{"observation-uuid": u} for u in related]
        req_decision = assessment.requirement_decision(req.id)
        if req_decision is not None and req_decision.human:
            finding["props"].extend(
                [_prop("decision", req_decision.decision), _prop("decided-by", req_decision.reviewer)]
            )
        if req.id in assessment.accepted_risks:
            finding["props"].append(_prop("risk-accepted-until", assessment.accepted_risks[req.id] or "-"))
        if req.id in decision_party:
            finding["origins"] = [
                {
                    "actors": [
                        {"type": "party", "actor-uuid": p, "role-id": "assessor"}
                        for p in dict.fromkeys(decision_party[req.id])
                    ]
                }
            ]
        findings.append(finding)
    result: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "title": _one_line(f"securable assessment against {assessment.profile_title}"),
        "description": _one_line(
            f"Automated assessment by securable {assessment.tool_version}, profile {assessment.profile}."
        ),
        "start": iso(assessment.started),
        "end": iso(assessment.finished),
        "props": [_prop(f"summary-{k.replace('_', '-')}", str(v)) for k, v in assessment.summary.items()],
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": oscal_id(r.id)} for r in assessment.requirements]}
            ]
        },
    }
    if inventory:
        result["local-definitions"] = {"inventory-items": inventory}
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    document = {
        "assessment-results": {
            "uuid": str(uuid.uuid4()),
            "metadata": {
                "title": _one_line(f"securable assessment results ({assessment.profile})"),
                "last-modified": iso(assessment.finished),
                "version": assessment.tool_version,
                "oscal-version": OSCAL_VERSION,
                **(
                    {
                        "roles": [{"id": "assessor", "title": "Assessor"}],
                        "parties": [
                            {"uuid": u, "type": "person", "name": _one_line(name)}
                            for name, u in parties.items()
                        ],
                    }
                    if parties
                    else {}
                ),
            },
            "import-ap": {"href": f"#securable-plan-{oscal_id(assessment.profile)}"},
            "results": [result],
        }
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

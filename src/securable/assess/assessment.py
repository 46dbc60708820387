"""The result of one assessment run: findings, per-requirement verdicts, crosswalk, timings.

Every report renders this one object (the HDF lesson: one canonical result model, formats at the
edges). :meth:`Assessment.to_json` is the ``securable/report/v1`` contract; strings pass through
:func:`display` there so names with undecodable bytes come out as readable ``\\xff`` escapes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from securable.assess.check import Remediation
from securable.assess.fingerprint import fingerprints
from securable.assess.model import Finding, TargetKind, Verdict
from securable.assess.verdict import CrosswalkVerdict, RequirementVerdict

__all__ = [
    "REPORT_SCHEMA",
    "Assessment",
    "Baseline",
    "CheckRun",
    "DecisionRecord",
    "TargetRef",
    "display",
    "iso",
]

REPORT_SCHEMA = "securable/report/v1"
SUMMARY_KEYS = ("pass", "fail", "inconclusive", "not_applicable", "manual", "error", "not_assessed")


def display(text: str) -> str:
    """``text`` safe to encode as UTF-8: surrogate-escaped bytes become ``\\xNN`` escapes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return display(value)
    if isinstance(value, dict):
        return {display(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return display(str(value))


def _remediation(fix: Remediation) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": fix.summary}
    if fix.example:
        out["example"] = fix.example
    if fix.references:
        out["references"] = list(fix.references)
    return out


def iso(moment: dt.datetime) -> str:
    """UTC, second precision, ``Z`` suffix."""
    return moment.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class TargetRef:
    """What was assessed, as the user named it, plus anything refused while opening it."""

    kind: TargetKind
    ref: str
    notes: tuple[str, ...] = ()
    component: str | None = None  # the product component it belongs to (product.yaml components)
    firmware_map: Mapping[str, Any] | None = None  # a vendor blob: its chunks and root filesystems


@dataclass(frozen=True)
class CheckRun:
    """One check's run: how long it took and how it ended (``ok``, ``error`` or ``timeout``)."""

    id: str
    title: str
    target: TargetKind
    requirements: tuple[str, ...]
    seconds: float
    status: str
    findings: int = 0
    remediation: Remediation | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """One reviewer decision of ``decisions.yaml`` and what it did to this run's result.

    ``status``: ``applied`` (a manual, inconclusive or not-assessed item got the reviewer's
    verdict, or the reviewer failed it), ``confirmed`` (agrees with the checks; recorded),
    ``accepted`` (an unexpired risk acceptance of a FAIL: shown, but not a failure of the run),
    ``expired`` (a risk acceptance past its date: the FAIL stands), ``refused`` (it would have
    overruled a check's verdict: the check's verdict stands) or ``stale`` (its requirement or
    finding no longer exists). ``automated`` and ``result`` are the verdicts before and after.
    """

    scope: str  # "requirement" | "finding"
    target: str  # requirement ID or finding fingerprint
    decision: str  # pass | fail | not_applicable | accepted_risk
    reviewer: str
    date: str
    rationale: str
    status: str
    note: str = ""
    expires: str | None = None
    evidence: tuple[str, ...] = ()
    automated: str | None = None
    result: str | None = None
    findings: tuple[int, ...] = ()  # indexes of the findings it decided (finding scope)

    @property
    def human(self) -> bool:
        """True when the reviewer's verdict is the one the report shows."""
        return self.status in ("applied", "accepted", "confirmed")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scope": self.scope,
            "target": self.target,
            "decision": self.decision,
            "status": self.status,
            "reviewer": self.reviewer,
            "date": self.date,
            "rationale": self.rationale,
            "evidence": list(self.evidence),
        }
        if self.expires is not None:
            out["expires"] = self.expires
        if self.automated is not None:
            out["automated_verdict"] = self.automated
        if self.result is not None:
            out["verdict"] = self.result
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Baseline:
    """An earlier report this run is compared with: its findings by fingerprint (JSON form)."""

    ref: str
    findings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def state(self, fingerprint: str, verdict: str) -> str:
        """SARIF ``baselineState`` of a finding of this run: ``new``, ``unchanged`` or ``updated``."""
        old = self.findings.get(fingerprint)
        if old is None:
            return "new"
        return "unchanged" if old.get("verdict") == verdict else "updated"

    def absent(self, present: Iterable[str]) -> list[tuple[str, Mapping[str, Any]]]:
        """Findings of the baseline that this run no longer has."""
        now = set(present)
        return [(fp, f) for fp, f in self.findings.items() if fp not in now]


@dataclass(frozen=True)
class Assessment:
    profile: str
    profile_title: str
    started: dt.datetime
    finished: dt.datetime
    targets: tuple[TargetRef, ...]
    findings: tuple[Finding, ...]
    requirements: tuple[RequirementVerdict, ...]
    crosswalk: tuple[CrosswalkVerdict, ...]
    checks: tuple[CheckRun, ...]
    tool_version: str
    decisions: tuple[DecisionRecord, ...] = ()
    # requirement ID -> the date its FAIL is accepted until (an unexpired risk acceptance)
    accepted_risks: Mapping[str, str] = field(default_factory=dict)
    baseline: Baseline | None = None
    # the product's components and connections with their outcomes (securable.assess.product)
    product: Any = None

    @cached_property
    def fingerprints(self) -> tuple[str, ...]:
        """One stable ID per finding, in finding order (:mod:`securable.assess.fingerprint`)."""
        return tuple(fingerprints(self.findings))

    def finding_decision(self, index: int) -> DecisionRecord | None:
        """The decision that governs finding ``index``, if any."""
        for record in self.decisions:
            if record.scope == "finding" and index in record.findings and record.status != "stale":
                return record
        return None

    def requirement_decision(self, req_id: str) -> DecisionRecord | None:
        """The requirement-level decision for ``req_id``, if any."""
        for record in self.decisions:
            if record.scope == "requirement" and record.target == req_id and record.status != "stale":
                return record
        return None

    @property
    def summary(self) -> dict[str, int]:
        """Requirement verdict counts (every key of the contract present, zero or not)."""
        counts = Counter(r.verdict.value for r in self.requirements)
        return {key: counts.get(key, 0) for key in SUMMARY_KEYS}

    def remediation(self, check_id: str) -> Remediation | None:
        """How to fix a failure of ``check_id`` (from the check), if it says."""
        return next((c.remediation for c in self.checks if c.id == check_id), None)

    @property
    def failed(self) -> bool:
        """True when a requirement failed and no unexpired risk acceptance covers it (exit code 1)."""
        return any(r.verdict is Verdict.FAIL and r.id not in self.accepted_risks for r in self.requirements)

    @property
    def duration(self) -> float:
        return (self.finished - self.started).total_seconds()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "tool": {"name": "securable", "version": self.tool_version},
            "profile": self.profile,
            "started": iso(self.started),
            "finished": iso(self.finished),
            "targets": [
                {
                    "kind": t.kind.value,
                    "ref": t.ref,
                    **({"notes": list(t.notes)} if t.notes else {}),
                    **({"component": t.component} if t.component else {}),
                    **({"firmware_map": dict(t.firmware_map)} if t.firmware_map is not None else {}),
                }
                for t in self.targets
            ],
            "findings": [self._finding_json(n, f) for n, f in enumerate(self.findings)],
            "requirements": [
                {
                    "id": r.id,
                    "title": r.title,
                    "verdict": r.verdict.value,
                    "checks": list(r.checks),
                    **({"via_crosswalk": list(r.via_crosswalk)} if r.via_crosswalk else {}),
                    **({"text": r.text} if r.text else {}),
                    **({"reason": r.reason} if r.reason else {}),
                    **({"settle": r.settle} if r.settle else {}),
                    "mapped": {fw: list(ids) for fw, ids in r.mapped},
                    **self._requirement_extra(r.id),
                }
                for r in self.requirements
            ],
            "crosswalk": [
                {
                    "id": c.id,
                    "framework": c.framework,
                    "verdict": c.verdict.value,
                    "from": list(c.sources),
                }
                for c in self.crosswalk
            ],
            "checks": [
                {
                    "id": c.id,
                    "title": c.title,
                    "target": c.target.value,
                    "status": c.status,
                    "seconds": round(c.seconds, 4),
                    "findings": c.findings,
                    **({"remediation": _remediation(c.remediation)} if c.remediation else {}),
                }
                for c in self.checks
            ],
            "summary": self.summary,
        }
        if self.product is not None:
            data["product"] = self.product.to_json()
        if self.decisions:
            data["decisions"] = [d.to_json() for d in self.decisions]
        if self.baseline is not None:
            data["baseline"] = {
                "report": self.baseline.ref,
                "absent": [fp for fp, _f in self.baseline.absent(self.fingerprints)],
            }
        cleaned: dict[str, Any] = _clean(data)
        return cleaned

    def _finding_json(self, index: int, finding: Finding) -> dict[str, Any]:
        out = finding.to_json()
        out["fingerprint"] = self.fingerprints[index]
        record = self.finding_decision(index)
        if record is not None:
            out["decision"] = record.to_json()
            if record.automated is not None:
                out["automated_verdict"] = record.automated
        if self.baseline is not None:
            out["baseline_state"] = self.baseline.state(self.fingerprints[index], finding.verdict.value)
        return out

    def _requirement_extra(self, req_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        record = self.requirement_decision(req_id)
        if record is not None:
            out["decision"] = record.to_json()
            if record.automated is not None:
                out["automated_verdict"] = record.automated
        if req_id in self.accepted_risks:
            out["risk_accepted"] = {"until": self.accepted_risks[req_id]}
        return out

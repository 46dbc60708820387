"""The result of one assessment run: findings, per-requirement verdicts, crosswalk, timings.

Every report renders this one object (the HDF lesson: one canonical result model, formats at the
edges). :meth:`Assessment.to_json` is the ``securable/report/v1`` contract; strings pass through
:func:`display` there so names with undecodable bytes come out as readable ``\\xff`` escapes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from securable.assess.check import Remediation
from securable.assess.model import Finding, TargetKind, Verdict
from securable.assess.verdict import CrosswalkVerdict, RequirementVerdict

__all__ = ["REPORT_SCHEMA", "Assessment", "CheckRun", "TargetRef", "display", "iso"]

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
        """True when a requirement of the profile failed (the CLI's exit code 1)."""
        return any(r.verdict is Verdict.FAIL for r in self.requirements)

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
                {"kind": t.kind.value, "ref": t.ref, **({"notes": list(t.notes)} if t.notes else {})}
                for t in self.targets
            ],
            "findings": [f.to_json() for f in self.findings],
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
        cleaned: dict[str, Any] = _clean(data)
        return cleaned

"""Build small assessments straight from findings (no checks run), against the test catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from securable.assess.assessment import Assessment, CheckRun, TargetRef
from securable.assess.model import Finding, Location, Severity, TargetKind, Verdict
from securable.assess.verdict import crosswalk, fold_requirements
from securable.catalog import Catalog

STARTED = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


def finding(
    check: str,
    verdict: Verdict,
    requirements: Sequence[str],
    *,
    path: str | None = None,
    message: str = "observed",
    severity: Severity = Severity.MEDIUM,
    **evidence: object,
) -> Finding:
    return Finding(
        check=check,
        verdict=verdict,
        message=message,
        requirements=tuple(requirements),
        severity=severity,
        location=Location(path=path) if path else None,
        evidence=dict(evidence),
    )


def build(catalog: Catalog, findings: Sequence[Finding], *, when: dt.datetime = STARTED) -> Assessment:
    profile = catalog.profile("nistir8425")
    reqs = fold_requirements(findings, catalog, profile.item_ids)
    first = {f.check: f for f in reversed(findings)}
    checks = tuple(
        CheckRun(c, c, TargetKind.FIRMWARE, tuple(first[c].requirements), 0.01, "ok", 1)
        for c in dict.fromkeys(f.check for f in findings)
    )
    return Assessment(
        profile=profile.key,
        profile_title=profile.title,
        started=when,
        finished=when + dt.timedelta(seconds=5),
        targets=(TargetRef(TargetKind.FIRMWARE, "image.tar"),),
        findings=tuple(findings),
        requirements=tuple(reqs),
        crosswalk=tuple(crosswalk(reqs, catalog)),
        checks=checks,
        tool_version="0.0.test",
    )

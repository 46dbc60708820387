"""What ``securable assess`` says on the terminal: one progress line per check, and a summary
that names the failing requirements with their most severe findings.

Counts alone ("fail 2") send the reader to the report to learn *what* failed; the summary
answers that in the terminal or CI log, and the report holds the rest. Every string that came
from a target (paths, banners, file contents) is escaped, so a hostile image cannot move the
cursor or hide a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from securable.assess.assessment import Assessment, display
from securable.assess.model import Finding, Location, Severity, Verdict

#: The most severe findings shown under each failing requirement.
TOP_FINDINGS = 3
_MESSAGE_WIDTH = 160
_SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_VERDICT_ORDER = ("fail", "error", "inconclusive", "manual", "not_applicable", "pass")


def safe(text: str, width: int = _MESSAGE_WIDTH) -> str:
    """One printable line: control characters escaped, long text cut with an ellipsis."""
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in display(text))
    return line if len(line) <= width else line[: width - 1] + "…"


def _outcome(status: str, findings: int, verdicts: Mapping[str, int] | None) -> str:
    if status != "ok":
        return status  # "error" or "timeout": the check did not finish
    if verdicts:
        return ", ".join(f"{verdicts[v]} {v}" for v in _VERDICT_ORDER if verdicts.get(v))
    if findings == 0:
        return "no findings"
    return f"{findings} finding" + ("s" if findings != 1 else "")


def progress_line(event: Any) -> str:
    """``[n/N] check-id: 1 fail, 2 pass`` — or, while the engine's progress event carries only a
    count of findings, ``[n/N] check-id: 3 findings``; a check that crashed says ``error``."""
    verdicts = getattr(event, "verdicts", None)
    outcome = _outcome(event.status, event.findings, verdicts)
    return f"securable: [{event.done}/{event.total}] {event.check}: {outcome}"


def _where(location: Location | None) -> str:
    if location is None:
        return ""
    if location.path is not None:
        where = location.path + (f":{location.line}" if location.line is not None else "")
        return f"{location.filesystem}:{where}" if location.filesystem else where
    if location.host is not None:
        port = f":{location.port}" if location.port is not None else ""
        service = f" ({location.service})" if location.service else ""
        return f"{location.host}{port}{service}"
    return location.field or ""


def _finding_line(finding: Finding) -> str:
    where = _where(finding.location)
    text = f"{where}: {finding.message}" if where else finding.message
    return f"    {finding.severity.value:8} {finding.check}  {safe(text)}"


def failure_lines(assessment: Assessment, top: int = TOP_FINDINGS) -> list[str]:
    """The failing requirements, each with its ``top`` most severe failing findings."""
    failed = [r for r in assessment.requirements if r.verdict is Verdict.FAIL]
    if not failed:
        return []
    lines = [f"failed requirements ({len(failed)}):"]
    for requirement in failed:
        lines.append(f"  {requirement.id}  {safe(requirement.title)}")
        findings = [assessment.findings[i] for i in requirement.findings]
        failing = [f for f in findings if f.verdict is Verdict.FAIL]
        failing.sort(key=lambda f: _SEVERITY_ORDER.index(f.severity))
        lines.extend(_finding_line(f) for f in failing[:top])
        if len(failing) > top:
            lines.append(f"    … and {len(failing) - top} more failing findings in the report")
    return lines

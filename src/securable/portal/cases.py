"""PSIRT case workflow, SLA timers and the CRA Art. 14 clocks.

States follow ISO/IEC 30111's shape: received → triaged → confirmed | rejected → fixed → disclosed; a
confirmed case may also be disclosed before a fix (an advisory that gives a workaround).
SLA timers make the promises of the published disclosure policy (EN 303 645 5.2-1: acknowledgement and
status-update timelines) checkable per case. A case flagged *actively exploited* starts the CRA clocks from
the moment the manufacturer became aware: early warning within 24 hours, vulnerability notification within
72 hours, final report within 14 days of a fix or mitigation being available. We cannot submit to ENISA's
Single Reporting Platform; we produce the drafts to export and record when each was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from securable.errors import PortalError
from securable.portal.clock import as_utc, rfc3339
from securable.portal.models import CaseEvent, Report
from securable.portal.settings import PortalSettings

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("triaged", "rejected"),
    "triaged": ("confirmed", "rejected"),
    "confirmed": ("fixed", "disclosed"),  # disclosed without a fix: an advisory with a workaround
    "fixed": ("disclosed",),
    "rejected": (),
    "disclosed": (),
}
STATES = tuple(TRANSITIONS)
PUBLIC_STATUS = {
    "received": "Received and acknowledged; waiting for triage.",
    "triaged": "Triaged; we are verifying the report.",
    "confirmed": "Confirmed; a fix is being prepared.",
    "rejected": "Closed: we could not confirm a vulnerability.",
    "fixed": "Fixed; the advisory will follow.",
    "disclosed": "Disclosed in a published advisory.",
}
CRA_STAGES = ("early_warning", "notification", "final_report")
EARLY_WARNING = timedelta(hours=24)
NOTIFICATION = timedelta(hours=72)
FINAL_REPORT = timedelta(days=14)


class CaseError(PortalError):
    """A case action that the workflow does not allow; nothing changed."""

    exit_code = 2


def transition(report: Report, to: str, *, actor: str, note: str, now: datetime) -> CaseEvent:
    """Move a case to ``to`` if the workflow allows it, stamp the time and record who and why."""
    allowed = TRANSITIONS.get(report.status, ())
    if to not in allowed:
        raise CaseError(
            f"case {report.id} cannot go from {report.status!r} to {to!r}",
            diagnostics=f"allowed next states: {', '.join(allowed) or 'none (case closed)'}",
        )
    previous = report.status
    report.status = to
    report.last_update_at = now
    if to == "triaged":
        report.triaged_at = now
    elif to in ("confirmed", "rejected"):
        report.decided_at = now
    elif to == "fixed":
        report.fixed_at = now
    elif to == "disclosed":
        report.disclosed_at = now
    event = CaseEvent(at=now, actor=actor, action=f"{previous}->{to}", note=note)
    report.events.append(event)
    return event


def flag_exploited(
    report: Report, *, actor: str, aware_at: datetime, member_states: str, now: datetime
) -> None:
    """Start the CRA clocks. ``aware_at`` is when the manufacturer learned of the exploitation."""
    if as_utc(aware_at) > now:
        raise CaseError(
            "awareness time is in the future",
            diagnostics="give the time you became aware of the exploitation",
        )
    report.actively_exploited = True
    report.aware_at = aware_at
    report.member_states = member_states
    report.last_update_at = now
    report.events.append(
        CaseEvent(
            at=now, actor=actor, action="flag:actively_exploited", note=f"aware since {rfc3339(aware_at)}"
        )
    )


def mark_sent(report: Report, stage: str, *, actor: str, now: datetime) -> None:
    if not report.actively_exploited:
        raise CaseError(f"case {report.id} is not flagged actively exploited", diagnostics="flag it first")
    if stage not in CRA_STAGES:
        raise CaseError(
            f"unknown CRA report stage {stage!r}", diagnostics=f"use one of {', '.join(CRA_STAGES)}"
        )
    if stage == "final_report" and report.fixed_at is None:
        raise CaseError("the final report follows a fix", diagnostics="mark the case fixed first")
    setattr(report, f"{stage}_sent_at", now)
    report.events.append(CaseEvent(at=now, actor=actor, action=f"cra:{stage}:sent", note=""))


@dataclass(frozen=True)
class Timer:
    name: str
    due: datetime | None
    done: datetime | None

    def state(self, now: datetime) -> str:
        if self.done is not None:
            return "met" if self.due is None or as_utc(self.done) <= self.due else "late"
        if self.due is None:
            return "waiting"
        return "overdue" if now > self.due else "running"

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "name": self.name,
            "due": rfc3339(self.due) if self.due else None,
            "done": rfc3339(self.done) if self.done else None,
            "state": self.state(now),
        }


def _opt(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def sla_timers(report: Report, settings: PortalSettings) -> list[Timer]:
    """The promises of the disclosure policy, per case."""
    received = as_utc(report.received_at)
    timers = [
        Timer("acknowledge", received + timedelta(days=settings.ack_days), _opt(report.acknowledged_at)),
        Timer("triage", received + timedelta(days=settings.triage_days), _opt(report.triaged_at)),
    ]
    if report.status not in ("rejected", "disclosed"):
        last = as_utc(report.last_update_at)
        timers.append(Timer("status_update", last + timedelta(days=settings.update_days), None))
    if report.decided_at is not None and report.status != "rejected":
        timers.append(
            Timer("fix", as_utc(report.decided_at) + timedelta(days=settings.fix_days), _opt(report.fixed_at))
        )
    return timers


def cra_timers(report: Report) -> list[Timer]:
    if not report.actively_exploited or report.aware_at is None:
        return []
    aware = as_utc(report.aware_at)
    fixed = _opt(report.fixed_at)
    return [
        Timer("early_warning", aware + EARLY_WARNING, _opt(report.early_warning_sent_at)),
        Timer("notification", aware + NOTIFICATION, _opt(report.notification_sent_at)),
        Timer("final_report", fixed + FINAL_REPORT if fixed else None, _opt(report.final_report_sent_at)),
    ]


def cra_draft(
    report: Report, stage: str, *, manufacturer: str, contact: str, now: datetime
) -> dict[str, Any]:
    """A pre-filled draft of one Art. 14 report, to review and submit through ENISA's platform.

    Fields mirror what the regulation asks at each stage (paraphrased); empty strings are the ones a
    person must still fill in, listed in ``to_complete``.
    """
    if not report.actively_exploited or report.aware_at is None:
        raise CaseError(f"case {report.id} is not flagged actively exploited", diagnostics="flag it first")
    if stage not in CRA_STAGES:
        raise CaseError(
            f"unknown CRA report stage {stage!r}", diagnostics=f"use one of {', '.join(CRA_STAGES)}"
        )
    timer = {t.name: t for t in cra_timers(report)}[stage]
    product = report.product
    body: dict[str, Any] = {
        "manufacturer": manufacturer,
        "contact": contact,
        "case": report.receipt,
        "product": {"name": product.name, "model": product.model} if product else {"name": "", "model": ""},
        "affected_versions": report.affected_versions,
        "aware_since": rfc3339(report.aware_at),
    }
    if stage == "early_warning":
        body["member_states_affected"] = report.member_states
    if stage in ("notification", "final_report"):
        body.update(
            {
                "general_nature_of_exploit": report.exploitation,
                "vulnerability_description": report.description,
                "corrective_measures_taken": report.public_note,
                "user_mitigations": report.suggested_mitigation,
                "sensitivity": "",
            }
        )
    if stage == "final_report":
        body.update(
            {
                "severity_and_impact": report.impact,
                "malicious_actor": "",
                "security_update": "",
                "fix_available_since": rfc3339(report.fixed_at) if report.fixed_at else "",
            }
        )
    to_complete = sorted(k for k, v in body.items() if v == "")
    return {
        "schema": "securable/cra-art14-draft/v1",
        "stage": stage,
        "due": rfc3339(timer.due) if timer.due else None,
        "timer_state": timer.state(now),
        "generated": rfc3339(now),
        "note": "Draft only: review, complete and submit via the single reporting platform.",
        "report": body,
        "to_complete": to_complete,
    }

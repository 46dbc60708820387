"""CSAF advisories: tracking-number allocation, drafts, rendering, publication and the provider's history."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from securable.portal import cases, csaf_provider, vex
from securable.portal.clock import as_utc, rfc3339
from securable.portal.models import (
    Advisory,
    AdvisoryVulnerability,
    PublishedDocument,
    Report,
    TrackingCounter,
)
from securable.portal.schemas import AdvisoryEditIn, AdvisoryIn
from securable.portal.services.common import _one_or_404, atomic
from securable.portal.services.reports import find_report
from securable.portal.services.vulnerabilities import current_statements, get_vulnerability, to_statement
from securable.portal.settings import PortalSettings


def _highest_in_use(db: Session, scope: str) -> int:
    """The highest number already used under ``scope`` (advisories made before the counter existed)."""
    highest = 0
    for tracking in db.scalars(select(Advisory.tracking_id).where(Advisory.tracking_id.like(f"{scope}-%"))):
        suffix = tracking[len(scope) + 1 :]
        if tracking.startswith(scope + "-") and suffix.isdigit():
            highest = max(highest, int(suffix))
    return highest


def _next_number(db: Session, scope: str) -> int:
    bump = (
        update(TrackingCounter)
        .where(TrackingCounter.scope == scope)
        .values(last=TrackingCounter.last + 1)
        .returning(TrackingCounter.last)
        .execution_options(synchronize_session=False)
    )
    number = db.scalar(bump)
    if number is not None:
        return int(number)
    first = _highest_in_use(db, scope) + 1
    try:
        with db.begin_nested():
            db.add(TrackingCounter(scope=scope, last=first))
    except IntegrityError:  # another creation started this scope a moment ago: take the next number
        return _next_number(db, scope)
    return first


def allocate_tracking_id(db: Session, settings: PortalSettings, now: datetime) -> str:
    """The next free ``<prefix>-<year>-<NNNN>``, safe against concurrent creations.

    The counter row is bumped with one atomic UPDATE (PostgreSQL holds its row lock, SQLite its write
    lock, until the creating transaction ends), so a second creation waits and gets the next number.
    Numbers already taken by older rows are skipped rather than reused.
    """
    scope = f"{settings.tracking_prefix}-{now.year}"
    while True:
        tracking = f"{scope}-{_next_number(db, scope):04d}"
        if db.scalar(select(Advisory.id).where(Advisory.tracking_id == tracking)) is None:
            return tracking


def _links(db: Session, idents: list[str]) -> list[AdvisoryVulnerability]:
    return [AdvisoryVulnerability(vulnerability=get_vulnerability(db, i)) for i in dict.fromkeys(idents)]


def create_advisory(db: Session, settings: PortalSettings, data: AdvisoryIn, now: datetime) -> Advisory:
    with atomic(db):
        links = _links(db, data.vulnerabilities)
        report = find_report(db, data.case_receipt) if data.case_receipt else None
        row = Advisory(
            tracking_id=allocate_tracking_id(db, settings, now),
            title=data.title,
            summary=data.summary,
            profile=data.profile,
            report=report,
            status="draft",
            created_at=now,
        )
        row.links.extend(links)
        db.add(row)
        db.flush()
    return row


def get_advisory(db: Session, tracking_id: str) -> Advisory:
    return _one_or_404(
        db,
        select(Advisory).where(Advisory.tracking_id == tracking_id),
        f"advisory {tracking_id!r} not found",
        "see the advisory list",
    )


def update_advisory(db: Session, tracking_id: str, data: AdvisoryEditIn) -> Advisory:
    """Change title, summary, profile or vulnerabilities; a published advisory shows them from its next
    revision on (the released text stays frozen until then)."""
    adv = get_advisory(db, tracking_id)
    with atomic(db):
        links = _links(db, data.vulnerabilities)
        adv.title = data.title
        adv.summary = data.summary
        adv.profile = data.profile
        adv.links.clear()
        db.flush()  # delete the old pairs before inserting the new ones (same primary keys)
        adv.links.extend(links)
        db.flush()
    return adv


def credited_reporters(adv: Advisory) -> list[str]:
    """Names of the reporters of this advisory's cases who asked for credit (CSAF acknowledgments)."""
    reports: list[Report] = [adv.report] if adv.report else []
    reports.extend(v.report for v in adv.vulnerabilities if v.report is not None)
    names = [r.reporter_name.strip() for r in reports if r.wants_credit and r.reporter_name.strip()]
    return list(dict.fromkeys(names))


def _close_cases(
    db: Session, adv: Advisory, statements: list[vex.Statement], actor: str, now: datetime
) -> None:
    """Publishing discloses the advisory's case: a confirmed case whose advisory ships a fix is marked fixed
    first (which starts the CRA final-report clock); one without a fix is disclosed as it is."""
    note = f"advisory {adv.tracking_id} published"
    report = adv.report
    if report is None:
        return
    ships_fix = any(s.status == "fixed" or s.remediation == "vendor_fix" for s in statements)
    if report.status == "confirmed" and ships_fix:
        cases.transition(report, "fixed", actor=actor, note=note, now=now)
    if report.status in ("confirmed", "fixed"):
        cases.transition(report, "disclosed", actor=actor, note=note, now=now)


def _advisory_statements(db: Session, settings: PortalSettings, adv: Advisory) -> list[vex.Statement]:
    out: list[vex.Statement] = []
    for vuln in adv.vulnerabilities:
        out.extend(to_statement(settings, s) for s in current_statements(db, vulnerability_id=vuln.id))
    return out


def render_advisory(
    db: Session, settings: PortalSettings, adv: Advisory, now: datetime, *, release: bool
) -> dict[str, Any]:
    history = [
        vex.Revision(r["number"], datetime.fromisoformat(r["date"]), r["summary"])
        for r in json.loads(adv.revision_history)
    ]
    initial = as_utc(adv.initial_release_at) if adv.initial_release_at else now
    current = as_utc(adv.current_release_at) if adv.current_release_at else now
    status = "final"
    if not release and adv.status == "draft":
        history = [vex.Revision("0", now, "Draft for review")]
        status = "draft"
        initial = current = now
    path = f"{initial.year}/{csaf_provider.filename(adv.tracking_id)}"
    meta = vex.DocumentMeta(
        tracking_id=adv.tracking_id,
        title=adv.title,
        summary=adv.summary,
        publisher_name=settings.publisher_name,
        publisher_namespace=settings.publisher_namespace,
        publisher_contact=settings.publisher_contact,
        initial_release=initial,
        current_release=current,
        revisions=tuple(history),
        status=status,
        profile=adv.profile,
        canonical_url=csaf_provider.directory_url(settings) + path,
        acknowledgments=tuple(credited_reporters(adv)),
    )
    return vex.csaf_document(meta, _advisory_statements(db, settings, adv))


def publish_advisory(
    db: Session, settings: PortalSettings, tracking_id: str, summary: str, actor: str, now: datetime
) -> PublishedDocument:
    """Release (or re-release) an advisory: new revision, frozen text, hashes; closes its case.

    All of it happens in one savepoint: if the document does not render (say, a vulnerability has no VEX
    statement yet), the advisory keeps its previous revision, status and dates.
    """
    adv = get_advisory(db, tracking_id)
    with atomic(db):
        history = json.loads(adv.revision_history)
        number = adv.revision + 1
        history.append(
            {
                "number": str(number),
                "date": now.isoformat(),
                "summary": summary or ("Initial release" if number == 1 else "Update"),
            }
        )
        adv.revision = number
        adv.revision_history = json.dumps(history)
        adv.status = "published"
        adv.initial_release_at = adv.initial_release_at or now
        adv.current_release_at = now
        text = vex.dumps(render_advisory(db, settings, adv, now, release=True))
        sha256, sha512 = csaf_provider.hashes(text)
        path = f"{as_utc(adv.initial_release_at).year}/{csaf_provider.filename(adv.tracking_id)}"
        published = db.scalar(select(PublishedDocument).where(PublishedDocument.advisory_id == adv.id))
        if published is None:
            published = PublishedDocument(
                advisory_id=adv.id, path=path, initial_release_at=adv.initial_release_at
            )
            db.add(published)
        published.content = text
        published.sha256 = sha256
        published.sha512 = sha512
        published.current_release_at = now
        published.title = adv.title
        published.tracking_id = adv.tracking_id
        _close_cases(db, adv, _advisory_statements(db, settings, adv), actor, now)
        db.flush()
    return published


def get_published(db: Session, tracking_id: str) -> PublishedDocument:
    return _one_or_404(
        db,
        select(PublishedDocument).where(PublishedDocument.tracking_id == tracking_id),
        f"no published advisory {tracking_id!r}",
        "see the list on /advisories",
    )


def published_documents(db: Session) -> list[PublishedDocument]:
    return list(db.scalars(select(PublishedDocument).order_by(PublishedDocument.path)))


def release_history(db: Session) -> dict[str, list[str]]:
    """Release dates of every published revision, by provider path (for changes.csv)."""
    out: dict[str, list[str]] = {}
    for doc in published_documents(db):
        adv = db.get(Advisory, doc.advisory_id)
        if adv is not None:
            out[doc.path] = [
                rfc3339(datetime.fromisoformat(r["date"])) for r in json.loads(adv.revision_history)
            ]
    return out

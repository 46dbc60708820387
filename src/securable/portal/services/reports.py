"""Inbound reports and the PSIRT cases they become: intake, receipts, the admin's view of a case."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from securable.portal import cases
from securable.portal.clock import as_utc, rfc3339
from securable.portal.models import Product, Report
from securable.portal.schemas import ReportIn
from securable.portal.services.common import _one_or_404
from securable.portal.settings import PortalSettings


def submit_report(db: Session, settings: PortalSettings, data: ReportIn, now: datetime) -> Report:
    product = None
    if data.product:
        product = _one_or_404(
            db,
            select(Product).where(Product.slug == data.product),
            f"product {data.product!r} not found",
            "pick a product from the list or leave it empty",
        )
    report = Report(
        receipt="VR-" + secrets.token_urlsafe(18),
        kind=data.kind,
        title=data.title,
        description=data.description,
        reporter_name=data.reporter_name,
        reporter_contact=data.reporter_contact,
        product=product,
        affected_versions=data.affected_versions,
        impact=data.impact,
        exploitation=data.exploitation,
        suggested_mitigation=data.suggested_mitigation,
        wants_credit=data.wants_credit,
        status="received",
        received_at=now,
        acknowledged_at=now,  # the receipt itself is the automatic acknowledgement
        last_update_at=now,
    )
    db.add(report)
    db.flush()
    return report


def find_report(db: Session, receipt: str) -> Report:
    return _one_or_404(
        db,
        select(Report).where(Report.receipt == receipt, Report.receipt != ""),
        "no report with that receipt",
        "copy the receipt exactly as shown when you filed it",
    )


def get_case(db: Session, case_id: int) -> Report:
    return _one_or_404(
        db,
        select(Report).where(Report.id == case_id),
        f"case {case_id} not found",
        "see the case list on /admin",
    )


PAGE_SIZE = 50


@dataclass(frozen=True)
class CasePage:
    rows: list[Report]
    total: int
    page: int
    pages: int


def list_cases(
    db: Session, *, status: str = "", query: str = "", page: int = 1, per_page: int = PAGE_SIZE
) -> CasePage:
    """One page of cases, newest first, optionally only one state and/or matching ``query`` in the title,
    description, receipt or reporter (case-insensitive)."""
    where = []
    if status:
        where.append(Report.status == status)
    if query:
        like = f"%{query.lower()}%"
        where.append(
            or_(
                func.lower(Report.title).like(like),
                func.lower(Report.description).like(like),
                func.lower(Report.reporter_name).like(like),
                Report.receipt == query,
            )
        )
    total = db.scalar(select(func.count()).select_from(Report).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.scalars(
        select(Report).where(*where).order_by(Report.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return CasePage(list(rows), total, page, pages)


def receipt_view(settings: PortalSettings, report: Report, now: datetime) -> dict[str, Any]:
    timers = {t.name: t for t in cases.sla_timers(report, settings)}
    update = timers.get("status_update")
    return {
        "receipt": report.receipt,
        "status": report.status,
        "status_text": cases.PUBLIC_STATUS[report.status]
        + (f" {report.public_note}" if report.public_note else ""),
        "received": rfc3339(report.received_at),
        "acknowledge_by": rfc3339(timers["acknowledge"].due or as_utc(report.received_at)),
        "next_update_by": rfc3339(update.due) if update and update.due else None,
        "status_url": settings.url(f"/status/{report.receipt}"),
    }


def case_view(settings: PortalSettings, report: Report, now: datetime) -> dict[str, Any]:
    return {
        "id": report.id,
        "receipt": report.receipt,
        "kind": report.kind,
        "title": report.title,
        "description": report.description,
        "product": report.product.slug if report.product else None,
        "affected_versions": report.affected_versions,
        "impact": report.impact,
        "exploitation": report.exploitation,
        "suggested_mitigation": report.suggested_mitigation,
        "public_note": report.public_note,
        "reporter": {
            "name": report.reporter_name,
            "contact": report.reporter_contact,
            "credit": report.wants_credit,
        },
        "status": report.status,
        "next_states": list(cases.TRANSITIONS[report.status]),
        "received": rfc3339(report.received_at),
        "actively_exploited": report.actively_exploited,
        "sla": [t.as_dict(now) for t in cases.sla_timers(report, settings)],
        "cra": [t.as_dict(now) for t in cases.cra_timers(report)],
        "events": [
            {"at": rfc3339(e.at), "actor": e.actor, "action": e.action, "note": e.note} for e in report.events
        ],
    }

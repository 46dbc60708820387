"""Reviews in the browser: an uploaded assessment, its open items with their evidence, decisions, export.

A product's ``report.json`` and the ``product.yaml`` it assessed are uploaded as a review. Its *open
items* are the requirements a person must settle — ``manual``, ``inconclusive`` or ``not_assessed``
— and the ``fail`` ones, which only an expiring risk acceptance can cover (the same rules as
:func:`securable.assess.decisions.apply_decisions`, so nothing decided here is refused later).
Each decision is a row; a newer one for the same requirement supersedes the older, which stays as
history. The current decisions export as ``decisions.yaml`` through the CLI's own model and writer
(:func:`securable.assess.decisions.dump_decisions`), so ``securable assess --decisions`` reads them.

Reviewers see and decide only for the products they are scoped to (:class:`ReviewerScope`); admins
for every product. Asking for another product's review is a 403, not a 404: the IDs are sequential,
so hiding them would hide nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from securable.assess.decisions import DECISIONS_SCHEMA, Decision, dump_decisions, parse_decisions
from securable.assess.diff import parse_report
from securable.assess.targets import Declaration
from securable.errors import PortalError, SecurableError
from securable.portal.models import Admin, Product, Review, ReviewDecision, ReviewerScope
from securable.portal.services.common import ConflictError, _one_or_404
from securable.portal.services.products import get_product

OPEN = ("manual", "inconclusive", "not_assessed")
CHOICES_OPEN = ("pass", "fail", "not_applicable", "accepted_risk")
CHOICES_FAIL = ("accepted_risk", "fail")
MAX_QUOTES = 12


class ForbiddenError(PortalError):
    """The account may not act on this product (a reviewer outside its scope)."""

    exit_code = 2


class InvalidUploadError(PortalError):
    """An uploaded report or declaration is not what securable wrote or reads."""

    exit_code = 2


# --- accounts and scope ----------------------------------------------------------------------


def may_review(db: Session, user: Admin, product: Product) -> bool:
    if user.is_admin:
        return True
    row = db.get(ReviewerScope, (user.id, product.id))
    return row is not None


def require_scope(db: Session, user: Admin, product: Product) -> None:
    if not may_review(db, user, product):
        raise ForbiddenError(
            f"{user.username} is not a reviewer of product {product.slug!r}",
            diagnostics="ask an admin to add you as a reviewer of this product",
        )


def reviewable_products(db: Session, user: Admin) -> list[Product]:
    query = select(Product).order_by(Product.name)
    if not user.is_admin:
        query = query.join(ReviewerScope, ReviewerScope.product_id == Product.id).where(
            ReviewerScope.admin_id == user.id
        )
    return list(db.scalars(query))


def grant_review(db: Session, username: str, slug: str) -> None:
    """Let reviewer ``username`` review product ``slug`` (idempotent)."""
    user = _one_or_404(
        db,
        select(Admin).where(Admin.username == username),
        f"account {username!r} not found",
        "create it with `securable portal create-reviewer`",
    )
    if user.is_admin:
        raise ConflictError(
            f"{username!r} is an admin", diagnostics="admins may review every product already"
        )
    product = get_product(db, slug)
    if db.get(ReviewerScope, (user.id, product.id)) is None:
        db.add(ReviewerScope(admin_id=user.id, product_id=product.id))
        db.flush()


# --- uploads ---------------------------------------------------------------------------------


def upload_review(
    db: Session, user: Admin, slug: str, label: str, report: bytes, declaration: bytes, now: dt.datetime
) -> Review:
    """Store an assessment for review after checking both files are what securable writes and reads."""
    product = get_product(db, slug)
    require_scope(db, user, product)
    label = " ".join(label.split())[:200] or now.date().isoformat()
    try:
        data = parse_report(report, "uploaded report")
    except SecurableError as exc:
        raise InvalidUploadError(
            f"the uploaded report is not a securable report: {exc.message}",
            diagnostics="upload the report.json that `securable assess --format json` wrote",
        ) from None
    try:
        text = declaration.decode("utf-8")
        Declaration.from_text(text, ref="uploaded product.yaml")
    except UnicodeDecodeError:
        raise InvalidUploadError(
            "the uploaded declaration is not UTF-8 text",
            diagnostics="upload the product.yaml that was assessed",
        ) from None
    except SecurableError as exc:
        raise InvalidUploadError(
            f"the uploaded declaration is not a securable product.yaml: {exc.message}",
            diagnostics="upload the product.yaml that was assessed",
        ) from None
    row = Review(
        product_id=product.id,
        label=label,
        profile=str(data["profile"]),
        report_json=report.decode("utf-8"),
        declaration_yaml=text,
        uploaded_by=user.username,
        uploaded_at=now,
    )
    db.add(row)
    db.flush()
    return row


def get_review(db: Session, user: Admin, review_id: int) -> Review:
    review = _one_or_404(
        db,
        select(Review).where(Review.id == review_id),
        f"review {review_id} not found",
        "open the list of reviews on /review",
    )
    require_scope(db, user, review.product)
    return review


def reviews_of(db: Session, product: Product) -> list[Review]:
    return list(db.scalars(select(Review).where(Review.product_id == product.id).order_by(Review.id.desc())))


# --- items -----------------------------------------------------------------------------------


def _walk(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
        for inner in value.values():
            yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def _quotes(evidence: Any) -> list[dict[str, str]]:
    """Quotes from documents (``doc.*`` findings carry ``{document, where, quote}``), de-duplicated."""
    seen: dict[tuple[str, str, str], dict[str, str]] = {}
    for node in _walk(evidence):
        if isinstance(node.get("quote"), str):
            item = {k: str(node.get(k, "")) for k in ("document", "ref", "where", "quote")}
            seen.setdefault((item["document"], item["where"], item["quote"]), item)
    return list(seen.values())[:MAX_QUOTES]


def _connections(evidence: Any) -> list[Any]:
    """Observed network connections, where a check recorded them (``connections`` or similar)."""
    found: list[Any] = []
    for node in _walk(evidence):
        for key in ("connections", "observed_connections"):
            value = node.get(key)
            if isinstance(value, list):
                found.extend(value)
    return found


@dataclass
class ItemFinding:
    check: str
    verdict: str
    message: str
    location: str
    quotes: list[dict[str, str]]
    connections: list[Any]
    review: str
    evidence: str  # the raw evidence, pretty JSON


@dataclass
class ReviewItem:
    """One requirement a reviewer must settle, with what the checks found about it."""

    id: str
    title: str
    text: str
    verdict: str  # the checks' verdict
    reason: str
    settle: str
    choices: tuple[str, ...]
    findings: list[ItemFinding]
    in_report: Mapping[str, Any] | None  # a decision the uploaded report already carried
    current: ReviewDecision | None = None
    history: list[ReviewDecision] = field(default_factory=list)

    @property
    def is_fail(self) -> bool:
        return self.verdict == "fail"


def _location(location: Any) -> str:
    if not isinstance(location, Mapping):
        return ""
    return ", ".join(f"{k} {v}" for k, v in location.items() if v not in (None, ""))


def review_items(review: Review) -> list[ReviewItem]:
    """The open items of the review, in the report's order, with findings, quotes and decisions."""
    report = json.loads(review.report_json)
    findings: list[Mapping[str, Any]] = report.get("findings", [])
    by_requirement: dict[str, list[ReviewDecision]] = {}
    for row in review.decisions:
        by_requirement.setdefault(row.requirement, []).append(row)
    items: list[ReviewItem] = []
    for req in report.get("requirements", []):
        verdict = str(req.get("automated_verdict") or req["verdict"])
        if verdict not in (*OPEN, "fail"):
            continue
        related = [
            f for f in findings if req["id"] in f.get("requirements", []) and f.get("verdict") != "pass"
        ]
        rows = by_requirement.get(req["id"], [])
        items.append(
            ReviewItem(
                id=req["id"],
                title=str(req.get("title", "")),
                text=str(req.get("text", "")),
                verdict=verdict,
                reason=str(req.get("reason", "")),
                settle=str(req.get("settle", "")),
                choices=CHOICES_FAIL if verdict == "fail" else CHOICES_OPEN,
                findings=[
                    ItemFinding(
                        check=str(f.get("check", "")),
                        verdict=str(f.get("verdict", "")),
                        message=str(f.get("message", "")),
                        location=_location(f.get("location")),
                        quotes=_quotes(f.get("evidence")),
                        connections=_connections(f.get("evidence")),
                        review=str((f.get("evidence") or {}).get("review", "") or ""),
                        evidence=json.dumps(f.get("evidence") or {}, indent=2, ensure_ascii=False)[:20000],
                    )
                    for f in related
                ],
                in_report=req.get("decision"),
                current=next((r for r in reversed(rows) if r.superseded_at is None), None),
                history=list(reversed(rows)),
            )
        )
    return items


def open_count(items: list[ReviewItem]) -> int:
    """Items without a current decision."""
    return sum(1 for item in items if item.current is None)


# --- deciding --------------------------------------------------------------------------------


def _as_decision(row: ReviewDecision) -> Decision:
    return Decision(
        scope="requirement",
        target=row.requirement,
        decision=row.decision,
        reviewer=row.reviewer,
        date=row.decided_on,
        rationale=row.rationale,
        expires=row.expires,
        evidence=tuple(json.loads(row.evidence)),
    )


def decide(
    db: Session,
    user: Admin,
    review_id: int,
    *,
    requirement: str,
    decision: str,
    rationale: str,
    expires: dt.date | None,
    evidence: list[str],
    now: dt.datetime,
) -> ReviewDecision:
    """Record a decision on an open item; refused (with the reason) where the CLI would refuse it."""
    review = get_review(db, user, review_id)
    item = next((i for i in review_items(review) if i.id == requirement), None)
    if item is None:
        raise ConflictError(
            f"{requirement} is not an open item of review {review_id}",
            diagnostics="decide one of the items the review page lists",
        )
    if decision not in CHOICES_OPEN:
        raise ConflictError(
            f"{requirement}: '{decision[:40]}' is not a decision",
            diagnostics=f"choose one of: {', '.join(CHOICES_OPEN)}",
        )
    if decision not in item.choices:
        raise ConflictError(
            f"{requirement}: a check found it failing; '{decision}' cannot overrule that",
            diagnostics="record an accepted_risk with an expiry date, or confirm the fail",
        )
    today = now.date()
    if decision == "accepted_risk":
        if expires is None:
            raise ConflictError(
                f"{requirement}: a risk acceptance needs an expiry date", diagnostics="give the date it ends"
            )
        if expires <= today:
            raise ConflictError(
                f"{requirement}: the expiry {expires.isoformat()} is not in the future",
                diagnostics="give a date after today",
            )
    else:
        expires = None
    entry: dict[str, Any] = {
        "requirement": requirement,
        "decision": decision,
        "reviewer": user.username,
        "date": today.isoformat(),
        "rationale": rationale,
    }
    if expires is not None:
        entry["expires"] = expires.isoformat()
    if evidence:
        entry["evidence"] = evidence
    for link in evidence:
        if not link.startswith(("https://", "http://")):
            raise ConflictError(
                f"{requirement}: evidence '{link[:80]}' is not a link",
                diagnostics="give http(s) links, one per line",
            )
    try:  # the decisions.yaml schema itself, so an export never holds what the CLI would refuse
        parse_decisions({"schema": DECISIONS_SCHEMA, "decisions": [entry]}, ref="the decision")
    except SecurableError as exc:
        raise ConflictError(exc.message, diagnostics="correct the form and decide again") from None
    if item.current is not None:
        item.current.superseded_at = now
    row = ReviewDecision(
        review_id=review.id,
        requirement=requirement,
        decision=decision,
        expires=expires,
        rationale=rationale.strip(),
        evidence=json.dumps(evidence),
        reviewer=user.username,
        decided_on=today,
        created_at=now,
    )
    review.decisions.append(row)
    db.flush()
    return row


def current_decisions(review: Review) -> list[Decision]:
    """The decisions in force, in the report's requirement order."""
    return [_as_decision(item.current) for item in review_items(review) if item.current is not None]


def export_decisions(review: Review) -> str:
    """``decisions.yaml`` for ``securable assess --decisions``."""
    return dump_decisions(current_decisions(review), product=f"{review.product.name} ({review.label})")

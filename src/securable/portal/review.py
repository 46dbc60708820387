"""Review pages and API: upload an assessment, judge its open items, export ``decisions.yaml``.

Pages (``/review``) work with a browser session of any role and the session's CSRF token in every
form; the API (``/api/v1/review``) takes a bearer token, or the session cookie plus ``X-CSRF-Token``
on writes, like the admin API. Which product an account may touch is decided in
:mod:`securable.portal.services.reviews`; a product outside the account's scope answers 403.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from securable.portal import security, services
from securable.portal.pages import (
    MAX_UPLOAD,
    back_to,
    login_redirect,
    read_form,
    render,
    session_principal,
)
from securable.portal.schemas import SLUG, Strict
from securable.portal.services.common import ConflictError, NotFoundError
from securable.portal.web import DB, ApiUser, Now, Principal

review_pages = APIRouter(include_in_schema=False)
review_api = APIRouter(prefix="/api/v1/review", tags=["review"])
Slug = Annotated[str, Path(pattern=SLUG)]
ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1)]
YAML_TYPE = "application/yaml"
# errors a reviewer fixes in the form; ForbiddenError is not among them: it is a 403 page
_FORM_ERRORS = (ConflictError, NotFoundError, services.InvalidUploadError)


class DecisionIn(Strict):
    requirement: str = Field(min_length=3, max_length=200)
    decision: Literal["pass", "fail", "not_applicable", "accepted_risk"]
    rationale: str = Field(min_length=1, max_length=4000)
    expires: dt.date | None = None
    evidence: list[str] = Field(default_factory=list, max_length=100)


class ReviewIn(Strict):
    label: str = Field(default="", max_length=200)
    report: dict[str, Any] | str
    declaration: str = Field(min_length=1, max_length=1 << 20)


def _links(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _item_json(item: services.ReviewItem) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {
            "decision": r.decision,
            "expires": r.expires.isoformat() if r.expires else None,
            "rationale": r.rationale,
            "evidence": json.loads(r.evidence),
            "reviewer": r.reviewer,
            "date": r.decided_on.isoformat(),
            "superseded": r.superseded_at is not None,
        }

    return {
        "requirement": item.id,
        "title": item.title,
        "verdict": item.verdict,
        "choices": list(item.choices),
        "findings": [
            {"check": f.check, "verdict": f.verdict, "message": f.message, "quotes": f.quotes}
            for f in item.findings
        ],
        "decision": row(item.current) if item.current else None,
        "history": [row(r) for r in item.history],
    }


def _yaml_response(text: str, review_id: int) -> Response:
    return Response(
        text,
        media_type=YAML_TYPE,
        headers={"Content-Disposition": f'attachment; filename="decisions-review-{review_id}.yaml"'},
    )


# ----------------------------------------------------------------------------------------- API


@review_api.get("/products")
def api_products(who: ApiUser, db: DB) -> list[dict[str, str]]:
    return [{"slug": p.slug, "name": p.name} for p in services.reviewable_products(db, who.admin)]


@review_api.post("/products/{slug}/reviews", status_code=201)
def api_upload(slug: Slug, data: ReviewIn, who: ApiUser, db: DB, at: Now) -> dict[str, Any]:
    report = data.report if isinstance(data.report, str) else json.dumps(data.report, ensure_ascii=False)
    review = services.upload_review(
        db, who.admin, slug, data.label, report.encode("utf-8"), data.declaration.encode("utf-8"), at
    )
    items = services.review_items(review)
    db.commit()
    return {"id": review.id, "label": review.label, "open_items": services.open_count(items)}


@review_api.get("/reviews/{review_id}")
def api_review(review_id: ReviewId, who: ApiUser, db: DB) -> dict[str, Any]:
    review = services.get_review(db, who.admin, review_id)
    items = services.review_items(review)
    return {
        "id": review.id,
        "product": review.product.slug,
        "label": review.label,
        "profile": review.profile,
        "open_items": services.open_count(items),
        "items": [_item_json(i) for i in items],
    }


@review_api.post("/reviews/{review_id}/decisions", status_code=201)
def api_decide(review_id: ReviewId, data: DecisionIn, who: ApiUser, db: DB, at: Now) -> dict[str, Any]:
    row = services.decide(
        db,
        who.admin,
        review_id,
        requirement=data.requirement,
        decision=data.decision,
        rationale=data.rationale,
        expires=data.expires,
        evidence=data.evidence,
        now=at,
    )
    db.commit()
    return {"requirement": row.requirement, "decision": row.decision, "reviewer": row.reviewer}


@review_api.get("/reviews/{review_id}/decisions.yaml", response_class=Response)
def api_export(review_id: ReviewId, who: ApiUser, db: DB) -> Response:
    return _yaml_response(services.export_decisions(services.get_review(db, who.admin, review_id)), review_id)


# --------------------------------------------------------------------------------------- pages


async def _post(
    request: Request, db: DB, at: Now, back: str
) -> tuple[Principal, dict[str, str], Any] | Response:
    principal = session_principal(request, db, at)
    if principal is None or principal.session is None:
        return login_redirect()
    values, files = await read_form(request)
    if not security.same_token(values.pop("csrf", ""), principal.session.csrf_token):
        return back_to(back, "Form expired; try again.")
    return principal, values, files


@review_pages.get("/review", response_class=HTMLResponse)
def review_home(request: Request, db: DB, at: Now, error: str = "") -> Response:
    principal = session_principal(request, db, at)
    if principal is None or principal.session is None:
        return login_redirect()
    products = services.reviewable_products(db, principal.admin)
    return render(
        request,
        "review_index.html",
        products=[(p, services.reviews_of(db, p)) for p in products],
        user=principal.admin,
        csrf=principal.session.csrf_token,
        error=error[:300],
    )


@review_pages.post("/review/products/{slug}/uploads")
async def review_upload(slug: Slug, request: Request, db: DB, at: Now) -> Response:
    post = await _post(request, db, at, "/review")
    if isinstance(post, Response):
        return post
    principal, values, files = post
    report, declaration = files.get("report") or b"", files.get("declaration") or b""
    if not report or not declaration:
        return back_to("/review", "Choose both files: the report.json and the product.yaml it assessed.")
    if len(report) > MAX_UPLOAD or len(declaration) > MAX_UPLOAD:
        return back_to("/review", "A file is larger than 5 MiB; upload the report.json and product.yaml.")
    try:
        review = services.upload_review(
            db, principal.admin, slug, values.get("label", ""), report, declaration, at
        )
    except _FORM_ERRORS as exc:
        db.rollback()
        return back_to("/review", str(exc))
    db.commit()
    return RedirectResponse(f"/review/{review.id}", status_code=303)


@review_pages.get("/review/{review_id}", response_class=HTMLResponse)
def review_page(review_id: ReviewId, request: Request, db: DB, at: Now, error: str = "") -> Response:
    principal = session_principal(request, db, at)
    if principal is None or principal.session is None:
        return login_redirect()
    review = services.get_review(db, principal.admin, review_id)
    items = services.review_items(review)
    return render(
        request,
        "review.html",
        review=review,
        items=items,
        open_items=services.open_count(items),
        user=principal.admin,
        csrf=principal.session.csrf_token,
        error=error[:300],
        today=at.date().isoformat(),
    )


@review_pages.post("/review/{review_id}/decisions")
async def review_decide(review_id: ReviewId, request: Request, db: DB, at: Now) -> Response:
    url = f"/review/{review_id}"
    post = await _post(request, db, at, url)
    if isinstance(post, Response):
        return post
    principal, values, _ = post
    expires_text = values.get("expires", "").strip()
    try:
        expires = dt.date.fromisoformat(expires_text) if expires_text else None
    except ValueError:
        return back_to(url, f"'{expires_text[:20]}' is not a date; use YYYY-MM-DD.")
    try:
        services.decide(
            db,
            principal.admin,
            review_id,
            requirement=values.get("requirement", "")[:200],
            decision=values.get("decision", ""),
            rationale=values.get("rationale", "")[:4000],
            expires=expires,
            evidence=_links(values.get("evidence", ""))[:100],
            now=at,
        )
    except _FORM_ERRORS as exc:
        db.rollback()
        return back_to(url, str(exc))
    db.commit()
    return back_to(url)


@review_pages.get("/review/{review_id}/decisions.yaml", response_class=Response)
def review_export(review_id: ReviewId, request: Request, db: DB, at: Now) -> Response:
    principal = session_principal(request, db, at)
    if principal is None:
        return login_redirect()
    return _yaml_response(
        services.export_decisions(services.get_review(db, principal.admin, review_id)), review_id
    )

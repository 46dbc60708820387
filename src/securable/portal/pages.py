"""Server-rendered pages for people (Jinja2, autoescaped): product pages, intake, status, policy, admin."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import select

from securable.errors import PortalError
from securable.portal import cases, csaf_provider, publicinfo, sbom, security, services
from securable.portal.clock import as_utc, rfc3339
from securable.portal.models import Advisory, Product
from securable.portal.schemas import SLUG, AdvisoryEditIn, AdvisoryIn, ReportIn, VexIn, VulnerabilityIn
from securable.portal.web import (
    DB,
    Now,
    PortalState,
    Principal,
    State,
    client_address,
    find_principal,
    rate_limit,
)

TEMPLATES = Jinja2Templates(directory=str(FsPath(__file__).resolve().parent / "templates"))
TEMPLATES.env.filters["rfc3339"] = lambda v: rfc3339(as_utc(v)) if v else ""
TEMPLATES.env.filters["fromjson"] = json.loads
TEMPLATES.env.filters["monthyear"] = publicinfo.support_end_text
TEMPLATES.env.filters["show"] = lambda v: (
    ("yes" if v else "no") if isinstance(v, bool) else ("—" if v in (None, "") else v)
)

pages = APIRouter(include_in_schema=False)
Slug = Annotated[str, Path(pattern=SLUG)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    st: PortalState = request.app.state.portal
    context.setdefault("settings", st.settings)
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
    return response


def _public_csrf(request: Request) -> str:
    return request.cookies.get(security.CSRF_COOKIE) or security.new_csrf_token()


def _with_csrf_cookie(request: Request, response: Response, token: str) -> Response:
    if request.cookies.get(security.CSRF_COOKIE) != token:
        st: PortalState = request.app.state.portal
        response.set_cookie(
            security.CSRF_COOKIE, token, httponly=True, samesite="strict", secure=st.settings.secure_cookies
        )
    return response


def _check_public_csrf(request: Request, form_token: str) -> bool:
    return security.same_token(request.cookies.get(security.CSRF_COOKIE), form_token)


MAX_UPLOAD = 5 * 1024 * 1024


async def read_form(request: Request) -> tuple[dict[str, str], dict[str, bytes]]:
    """Text fields and uploaded files (read into memory, at most 5 MiB each); every upload is closed."""
    values: dict[str, str] = {}
    files: dict[str, bytes] = {}
    async with request.form(max_part_size=MAX_UPLOAD) as form:
        for key, value in form.multi_items():
            if isinstance(value, str):
                values.setdefault(key, value)
            else:
                files[key] = await value.read(MAX_UPLOAD + 1)
    return values, files


def validation_messages(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


def error_text(exc: ValidationError | PortalError) -> str:
    return "; ".join(validation_messages(exc)) if isinstance(exc, ValidationError) else str(exc)


# ------------------------------------------------------------------------------------- public


@pages.get("/", response_class=HTMLResponse)
def index(request: Request, db: DB) -> HTMLResponse:
    products = list(db.scalars(select(Product).order_by(Product.name)))
    return render(request, "index.html", products=products, advisories=services.published_documents(db))


@pages.get("/products/{slug}", response_class=HTMLResponse, dependencies=[Depends(rate_limit("public_read"))])
def product_page(slug: Slug, request: Request, db: DB, st: State, at: Now) -> HTMLResponse:
    product = services.get_product(db, slug)
    record = publicinfo.product_json(st.settings, product, now=at)
    versions = []
    for v in product.versions:
        summary = None
        if v.assessment_json:
            try:
                summary = sbom.report_summary(v.assessment_json)
            except PortalError:
                summary = None
        versions.append(
            {"row": v, "links": publicinfo.version_links(st.settings, product, v), "assessment": summary}
        )
    return render(
        request,
        "product.html",
        product=product,
        record=record,
        versions=versions,
        fcc_fields=publicinfo.FCC_FIELDS,
        education=publicinfo.EDUCATION,
        supported=product.support_end >= at.date(),
    )


@pages.get("/advisories", response_class=HTMLResponse)
def advisories(request: Request, db: DB, st: State) -> HTMLResponse:
    docs = services.published_documents(db)
    return render(request, "advisories.html", docs=docs, base=csaf_provider.directory_url(st.settings))


def _product_names(tree: dict[str, Any]) -> dict[str, str]:
    """product_id → readable name, from every place a CSAF product tree names products."""
    names: dict[str, str] = {}

    def walk(branches: list[dict[str, Any]]) -> None:
        for branch in branches:
            product = branch.get("product")
            if product:
                names[product["product_id"]] = product["name"]
            walk(branch.get("branches", []))

    walk(tree.get("branches", []))
    for entry in tree.get("full_product_names", []):
        names[entry["product_id"]] = entry["name"]
    for rel in tree.get("relationships", []):
        names[rel["full_product_name"]["product_id"]] = rel["full_product_name"]["name"]
    return names


@pages.get(
    "/advisories/{tracking_id}",
    response_class=HTMLResponse,
    dependencies=[Depends(rate_limit("public_read"))],
)
def advisory_page(
    tracking_id: Annotated[str, Path(max_length=100)], request: Request, db: DB, st: State
) -> HTMLResponse:
    """The published advisory for people; rendered from the frozen CSAF text, so both always agree."""
    doc = services.get_published(db, tracking_id)
    csaf = json.loads(doc.content)
    return render(
        request,
        "advisory.html",
        doc=doc,
        csaf=csaf,
        names=_product_names(csaf.get("product_tree", {})),
        json_url=csaf_provider.directory_url(st.settings) + doc.path,
    )


@pages.get("/policy", response_class=HTMLResponse)
def policy(request: Request) -> HTMLResponse:
    return render(request, "policy.html")


@pages.get("/report", response_class=HTMLResponse)
def report_form(request: Request, db: DB) -> Response:
    token = _public_csrf(request)
    products = list(db.scalars(select(Product).order_by(Product.name)))
    response = render(request, "report_form.html", csrf=token, products=products, errors=[], values={})
    return _with_csrf_cookie(request, response, token)


@pages.post("/report", response_class=HTMLResponse, dependencies=[Depends(rate_limit("report_submit"))])
async def report_submit(request: Request, db: DB, st: State, at: Now) -> Response:
    values, _ = await read_form(request)
    products = list(db.scalars(select(Product).order_by(Product.name)))
    if not _check_public_csrf(request, values.pop("csrf", "")):
        token = security.new_csrf_token()
        response = render(
            request,
            "report_form.html",
            403,
            csrf=token,
            products=products,
            values=values,
            errors=["The form expired or was not sent from this site; please submit it again."],
        )
        response.set_cookie(
            security.CSRF_COOKIE, token, httponly=True, samesite="strict", secure=st.settings.secure_cookies
        )
        return response
    values["wants_credit"] = "true" if values.get("wants_credit") else "false"
    try:
        data = ReportIn.model_validate(values)
        report = services.submit_report(db, st.settings, data, at)
    except ValidationError as exc:
        return render(
            request,
            "report_form.html",
            422,
            csrf=request.cookies.get(security.CSRF_COOKIE, ""),
            products=products,
            values=values,
            errors=validation_messages(exc),
        )
    except PortalError as exc:
        return render(
            request,
            "report_form.html",
            422,
            csrf=request.cookies.get(security.CSRF_COOKIE, ""),
            products=products,
            values=values,
            errors=[str(exc)],
        )
    db.commit()
    return render(request, "receipt.html", 201, view=services.receipt_view(st.settings, report, at))


@pages.get("/status", response_class=HTMLResponse)
def status_lookup(request: Request, receipt: str = "") -> Response:
    if receipt:
        return RedirectResponse(f"/status/{quote(receipt.strip()[:64], safe='')}", status_code=303)
    return render(request, "status.html", view=None, error="")


@pages.get(
    "/status/{receipt}", response_class=HTMLResponse, dependencies=[Depends(rate_limit("status_lookup"))]
)
def status_page(
    receipt: Annotated[str, Path(max_length=64)], request: Request, db: DB, st: State, at: Now
) -> HTMLResponse:
    try:
        report = services.find_report(db, receipt)
    except services.NotFoundError as exc:
        return render(request, "status.html", 404, view=None, error=str(exc))
    return render(request, "status.html", view=services.receipt_view(st.settings, report, at), error="")


# -------------------------------------------------------------------------------------- admin


def session_principal(request: Request, db: DB, at: Now) -> Principal | None:
    """The logged-in account of a browser session (any role), or None."""
    principal = find_principal(request, db, at)
    if principal is None or principal.session is None:
        return None
    return principal


def admin_principal(request: Request, db: DB, at: Now) -> Principal | None:
    """The logged-in admin, None when nobody is logged in; a reviewer is refused (403): the admin pages
    hold reporters' details and unpublished vulnerabilities."""
    principal = session_principal(request, db, at)
    if principal is not None and not principal.admin.is_admin:
        raise HTTPException(status_code=403, detail="Reviewers cannot open the admin pages; go to /review.")
    return principal


def login_redirect() -> RedirectResponse:
    return RedirectResponse("/admin/login", status_code=303)


def back_to(url: str, error: str = "") -> RedirectResponse:
    """Post/redirect/get back to an admin page, carrying a one-line error if there is one."""
    suffix = f"?error={quote(error[:300])}" if error else ""
    return RedirectResponse(url + suffix, status_code=303)


@dataclass
class AdminPost:
    principal: Principal
    values: dict[str, str]
    files: dict[str, bytes]

    @property
    def actor(self) -> str:
        return self.principal.admin.username


async def admin_post(request: Request, db: DB, at: Now, *, back: str) -> AdminPost | RedirectResponse:
    """An admin form submission with a valid session and the session's CSRF token, or the redirect to send."""
    principal = admin_principal(request, db, at)
    if principal is None or principal.session is None:
        return login_redirect()
    values, files = await read_form(request)
    if not security.same_token(values.pop("csrf", ""), principal.session.csrf_token):
        return back_to(back, "Form expired; try again.")
    return AdminPost(principal, values, files)


@pages.get("/admin/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    token = _public_csrf(request)
    return _with_csrf_cookie(request, render(request, "login.html", csrf=token, error=""), token)


@pages.post("/admin/login", response_class=HTMLResponse, dependencies=[Depends(rate_limit("login"))])
async def login(request: Request, db: DB, st: State, at: Now) -> Response:
    form, _ = await read_form(request)
    token = form.get("csrf", "")
    if not _check_public_csrf(request, token):
        return render(
            request, "login.html", 403, csrf=_public_csrf(request), error="Form expired; try again."
        )
    username = form.get("username", "")[:64]
    source = client_address(request)
    wait = st.throttle.retry_after(username, source, at)
    if wait > 0:  # refused before the password is checked, so waiting is the only way on
        seconds = int(wait) + 1
        refused = render(
            request,
            "login.html",
            429,
            csrf=token,
            error=f"Too many failed logins; try again in {seconds} s.",
        )
        refused.headers["Retry-After"] = str(seconds)
        return refused
    admin = security.verify_login(db, username, form.get("password", "")[:1024])
    if admin is None:
        st.throttle.failure(username, source, at)
        return render(request, "login.html", 401, csrf=token, error="Wrong name or password.")
    st.throttle.success(username, source, at)
    cookie = security.open_session(db, admin, at, st.settings.session_hours)
    db.commit()
    response = RedirectResponse("/admin" if admin.is_admin else "/review", status_code=303)
    response.set_cookie(
        security.SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=st.settings.secure_cookies,
        max_age=st.settings.session_hours * 3600,
        path="/",
    )
    return response


@pages.post("/admin/logout")
async def logout(request: Request, db: DB, at: Now) -> Response:
    principal = session_principal(request, db, at)
    values, _ = await read_form(request)
    if principal is not None and principal.session is not None:
        if not security.same_token(values.get("csrf", ""), principal.session.csrf_token):
            return back_to("/admin" if principal.admin.is_admin else "/review", "Form expired; try again.")
        security.close_session(db, request.cookies.get(security.SESSION_COOKIE))
        db.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response


@pages.get("/admin", response_class=HTMLResponse)
def admin_home(
    request: Request,
    db: DB,
    st: State,
    at: Now,
    status: Annotated[str, Query(max_length=16)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    principal = admin_principal(request, db, at)
    if principal is None:
        return login_redirect()
    status = status if status in cases.STATES else ""
    found = services.list_cases(db, status=status, query=q, page=page)
    views = [services.case_view(st.settings, r, at) for r in found.rows]
    advisories = list(db.scalars(select(Advisory).order_by(Advisory.id.desc())))
    assert principal.session is not None
    return render(
        request,
        "admin_index.html",
        cases=views,
        found=found,
        status=status,
        q=q,
        states=cases.STATES,
        advisories=advisories,
        csrf=principal.session.csrf_token,
        admin=principal.admin,
    )


@pages.get("/admin/cases/{case_id}", response_class=HTMLResponse)
def admin_case(case_id: CaseId, request: Request, db: DB, st: State, at: Now, error: str = "") -> Response:
    principal = admin_principal(request, db, at)
    if principal is None:
        return login_redirect()
    report = services.get_case(db, case_id)
    products = list(db.scalars(select(Product).order_by(Product.name)))
    assert principal.session is not None
    return render(
        request,
        "admin_case.html",
        case=services.case_view(st.settings, report, at),
        report=report,
        products=products,
        csrf=principal.session.csrf_token,
        error=error[:300],
        stages=cases.CRA_STAGES,
    )


def _case_url(case_id: int) -> str:
    return f"/admin/cases/{case_id}"


@pages.post("/admin/cases/{case_id}/transition")
async def admin_case_transition(case_id: CaseId, request: Request, db: DB, at: Now) -> Response:
    post = await admin_post(request, db, at, back=_case_url(case_id))
    if isinstance(post, RedirectResponse):
        return post
    report = services.get_case(db, case_id)
    note = post.values.get("note", "")[:5000]
    try:
        cases.transition(report, post.values.get("to", ""), actor=post.actor, note=note, now=at)
    except PortalError as exc:
        return back_to(_case_url(case_id), str(exc))
    if post.values.get("public_note"):
        report.public_note = post.values["public_note"][:5000]
    db.commit()
    return back_to(_case_url(case_id))


@pages.post("/admin/cases/{case_id}/exploited")
async def admin_case_exploited(case_id: CaseId, request: Request, db: DB, at: Now) -> Response:
    post = await admin_post(request, db, at, back=_case_url(case_id))
    if isinstance(post, RedirectResponse):
        return post
    report = services.get_case(db, case_id)
    states = post.values.get("member_states", "")[:200]
    try:
        cases.flag_exploited(report, actor=post.actor, aware_at=at, member_states=states, now=at)
    except PortalError as exc:
        return back_to(_case_url(case_id), str(exc))
    db.commit()
    return back_to(_case_url(case_id))


@pages.post("/admin/cases/{case_id}/advisory")
async def admin_case_advisory(case_id: CaseId, request: Request, db: DB, st: State, at: Now) -> Response:
    """One form: vulnerability + one VEX statement per affected version + advisory draft."""
    post = await admin_post(request, db, at, back=_case_url(case_id))
    if isinstance(post, RedirectResponse):
        return post
    values = post.values
    report = services.get_case(db, case_id)
    try:
        vuln = VulnerabilityIn(
            ident=values.get("ident", ""),
            title=values.get("title", ""),
            description=values.get("description", ""),
            case_receipt=report.receipt,
        )
        product, _, version = values.get("product_version", "").partition("@")
        statement = VexIn.model_validate(
            {
                "vulnerability": vuln.ident,
                "product": product,
                "version": version,
                "status": values.get("status", "affected"),
                "action_statement": values.get("action_statement", ""),
                "remediation": values.get("remediation", ""),
                "justification": values.get("justification", ""),
                "impact_statement": values.get("impact_statement", ""),
            }
        )
        advisory = AdvisoryIn(
            title=values.get("advisory_title", "") or vuln.title,
            summary=values.get("summary", ""),
            vulnerabilities=[vuln.ident],
            case_receipt=report.receipt,
        )
        services.create_vulnerability(db, vuln, at)
        services.add_statement(db, st.settings, statement, post.actor, at)
        row = services.create_advisory(db, st.settings, advisory, at)
    except (ValidationError, PortalError) as exc:
        db.rollback()
        return back_to(_case_url(case_id), error_text(exc))
    db.commit()
    return RedirectResponse(f"/admin/advisories/{row.tracking_id}", status_code=303)


@pages.get("/admin/advisories/{tracking_id}", response_class=HTMLResponse)
def admin_advisory(
    tracking_id: Annotated[str, Path(max_length=100)],
    request: Request,
    db: DB,
    st: State,
    at: Now,
    error: str = "",
) -> Response:
    principal = admin_principal(request, db, at)
    if principal is None:
        return login_redirect()
    adv = services.get_advisory(db, tracking_id)
    try:
        preview = json.dumps(services.render_advisory(db, st.settings, adv, at, release=False), indent=2)
    except PortalError as exc:
        preview, error = "", error or str(exc)
    assert principal.session is not None
    return render(
        request,
        "admin_advisory.html",
        adv=adv,
        credited=services.credited_reporters(adv),
        preview=preview,
        error=error[:300],
        csrf=principal.session.csrf_token,
    )


@pages.post("/admin/advisories/{tracking_id}/publish")
async def admin_advisory_publish(
    tracking_id: Annotated[str, Path(max_length=100)], request: Request, db: DB, st: State, at: Now
) -> Response:
    url = f"/admin/advisories/{tracking_id}"
    post = await admin_post(request, db, at, back=url)
    if isinstance(post, RedirectResponse):
        return post
    try:
        services.publish_advisory(
            db, st.settings, tracking_id, post.values.get("summary", "")[:1000], post.actor, at
        )
    except PortalError as exc:
        db.rollback()
        return back_to(url, str(exc))
    db.commit()
    return back_to(url)


@pages.post("/admin/advisories/{tracking_id}/edit")
async def admin_advisory_edit(
    tracking_id: Annotated[str, Path(max_length=100)], request: Request, db: DB, at: Now
) -> Response:
    url = f"/admin/advisories/{tracking_id}"
    post = await admin_post(request, db, at, back=url)
    if isinstance(post, RedirectResponse):
        return post
    values = post.values
    try:
        data = AdvisoryEditIn(
            title=values.get("title", ""),
            summary=values.get("summary", ""),
            vulnerabilities=[v for v in values.get("vulnerabilities", "").replace(",", " ").split() if v],
            profile=values.get("profile", "csaf_security_advisory"),
        )
        services.update_advisory(db, tracking_id, data)
    except (ValidationError, PortalError) as exc:
        db.rollback()
        return back_to(url, error_text(exc))
    db.commit()
    return back_to(url)

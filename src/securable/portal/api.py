"""The JSON API (``/api/v1``) and the machine-readable publications (product.json, VEX, SBOM, CSAF tree)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import select

from securable.portal import cases, csaf_provider, jsonlimits, publicinfo, services
from securable.portal.clock import rfc3339
from securable.portal.jsonlimits import JsonShapeError
from securable.portal.models import Advisory, Product, PublishedDocument
from securable.portal.schemas import (
    SLUG,
    VERSION,
    AdvisoryEditIn,
    AdvisoryIn,
    ExploitedIn,
    ProductIn,
    PublishIn,
    ReportIn,
    ReportReceipt,
    SentIn,
    TransitionIn,
    VersionIn,
    VexIn,
    VulnerabilityIn,
)
from securable.portal.web import DB, ApiAdmin, Now, State, rate_limit

Slug = Annotated[str, Path(pattern=SLUG)]
Ver = Annotated[str, Path(pattern=VERSION)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CASE_STATES = "^(|" + "|".join(cases.STATES) + ")$"
public_read = [Depends(rate_limit("public_read"))]

api = APIRouter(prefix="/api/v1")
published = APIRouter(dependencies=public_read)


def _json(doc: Any, media_type: str = "application/json") -> Response:
    return JSONResponse(doc, media_type=media_type)


# --------------------------------------------------------------------------------- public API


@api.post(
    "/reports",
    status_code=201,
    response_model=ReportReceipt,
    dependencies=[Depends(rate_limit("report_submit"))],
    tags=["intake"],
)
def submit_report(data: ReportIn, db: DB, st: State, at: Now) -> dict[str, Any]:
    """File a vulnerability report or a security question; the receipt is the key to its status."""
    report = services.submit_report(db, st.settings, data, at)
    db.commit()
    return services.receipt_view(st.settings, report, at)


@api.get(
    "/reports/{receipt}",
    response_model=ReportReceipt,
    dependencies=[Depends(rate_limit("status_lookup"))],
    tags=["intake"],
)
def report_status(receipt: Annotated[str, Path(max_length=64)], db: DB, st: State, at: Now) -> dict[str, Any]:
    return services.receipt_view(st.settings, services.find_report(db, receipt), at)


@api.get("/products", dependencies=public_read, tags=["products"])
def list_products(db: DB, st: State) -> list[dict[str, str]]:
    rows = db.scalars(select(Product).order_by(Product.name))
    return [{"slug": p.slug, "name": p.name, "url": publicinfo.product_url(st.settings, p)} for p in rows]


@api.get("/products/{slug}", dependencies=public_read, tags=["products"])
def product_record(slug: Slug, db: DB, st: State, at: Now) -> dict[str, Any]:
    return publicinfo.product_json(st.settings, services.get_product(db, slug), now=at)


@api.get("/advisories", dependencies=public_read, tags=["advisories"])
def list_advisories(db: DB, st: State) -> list[dict[str, str]]:
    return [
        {
            "tracking_id": d.tracking_id,
            "title": d.title,
            "current_release": rfc3339(d.current_release_at),
            "url": csaf_provider.directory_url(st.settings) + d.path,
        }
        for d in services.published_documents(db)
    ]


# ---------------------------------------------------------------------------------- admin API


@api.get("/admin/cases", tags=["admin"])
def admin_cases(
    who: ApiAdmin,
    db: DB,
    st: State,
    at: Now,
    response: Response,
    status: Annotated[str, Query(pattern=CASE_STATES)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = services.PAGE_SIZE,
) -> list[dict[str, Any]]:
    """Cases, newest first, one page at a time; ``X-Total-Count`` and ``Link`` say what else there is."""
    found = services.list_cases(db, status=status, query=q, page=page, per_page=per_page)
    response.headers["X-Total-Count"] = str(found.total)
    if found.page < found.pages:
        response.headers["Link"] = f'<?page={found.page + 1}&per_page={per_page}>; rel="next"'
    return [services.case_view(st.settings, r, at) for r in found.rows]


@api.get("/admin/cases/{case_id}", tags=["admin"])
def admin_case(case_id: CaseId, who: ApiAdmin, db: DB, st: State, at: Now) -> dict[str, Any]:
    return services.case_view(st.settings, services.get_case(db, case_id), at)


@api.post("/admin/cases/{case_id}/transition", tags=["admin"])
def admin_transition(
    case_id: CaseId, data: TransitionIn, who: ApiAdmin, db: DB, st: State, at: Now
) -> dict[str, Any]:
    report = services.get_case(db, case_id)
    cases.transition(report, data.to, actor=who.admin.username, note=data.note, now=at)
    if data.public_note is not None:
        report.public_note = data.public_note
    db.commit()
    return services.case_view(st.settings, report, at)


@api.post("/admin/cases/{case_id}/exploited", tags=["admin"])
def admin_exploited(
    case_id: CaseId, data: ExploitedIn, who: ApiAdmin, db: DB, st: State, at: Now
) -> dict[str, Any]:
    """Flag a case as actively exploited: starts the CRA 24 h / 72 h / 14 day clocks."""
    report = services.get_case(db, case_id)
    cases.flag_exploited(
        report, actor=who.admin.username, aware_at=data.aware_at, member_states=data.member_states, now=at
    )
    db.commit()
    return services.case_view(st.settings, report, at)


@api.get("/admin/cases/{case_id}/cra/{stage}", tags=["admin"])
def admin_cra_draft(
    case_id: CaseId,
    stage: Annotated[str, Path(pattern="^(early_warning|notification|final_report)$")],
    who: ApiAdmin,
    db: DB,
    st: State,
    at: Now,
) -> dict[str, Any]:
    report = services.get_case(db, case_id)
    return cases.cra_draft(
        report, stage, manufacturer=st.settings.publisher_name, contact=st.settings.publisher_contact, now=at
    )


@api.post("/admin/cases/{case_id}/cra-sent", tags=["admin"])
def admin_cra_sent(
    case_id: CaseId, data: SentIn, who: ApiAdmin, db: DB, st: State, at: Now
) -> dict[str, Any]:
    report = services.get_case(db, case_id)
    cases.mark_sent(report, data.stage, actor=who.admin.username, now=at)
    db.commit()
    return services.case_view(st.settings, report, at)


@api.post("/admin/products", status_code=201, tags=["admin"])
def admin_create_product(data: ProductIn, who: ApiAdmin, db: DB, st: State, at: Now) -> dict[str, Any]:
    product = services.create_product(db, data, at)
    db.commit()
    return publicinfo.product_json(st.settings, product, now=at)


@api.put("/admin/products/{slug}", tags=["admin"])
def admin_update_product(
    slug: Slug, data: ProductIn, who: ApiAdmin, db: DB, st: State, at: Now
) -> dict[str, Any]:
    product = services.update_product(db, slug, data, at)
    db.commit()
    return publicinfo.product_json(st.settings, product, now=at)


@api.post("/admin/products/{slug}/versions", status_code=201, tags=["admin"])
def admin_add_version(slug: Slug, data: VersionIn, who: ApiAdmin, db: DB, at: Now) -> dict[str, Any]:
    row = services.add_version(db, slug, data, at)
    db.commit()
    return {"version": row.version, "components": [c.bom_ref for c in row.components]}


async def json_upload(request: Request) -> str:
    """The raw JSON body of an upload, as text: parsed later by :mod:`jsonlimits`, never by FastAPI,
    so size and nesting are bounded before any parser recurses into it."""
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonShapeError("the upload is not UTF-8 text", diagnostics="send JSON as UTF-8") from None
    return jsonlimits.check(text, what="the upload")


JsonUpload = Annotated[str, Depends(json_upload)]


def _json_body(description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }


@api.put(
    "/admin/products/{slug}/versions/{version}/sbom",
    tags=["admin"],
    openapi_extra=_json_body("CycloneDX 1.4-1.6 JSON"),
)
def admin_upload_sbom(
    slug: Slug, version: Ver, who: ApiAdmin, db: DB, at: Now, text: JsonUpload
) -> dict[str, Any]:
    row = services.upload_sbom(db, slug, version, text, at)
    db.commit()
    return {"version": row.version, "components": [c.bom_ref for c in row.components]}


@api.post("/admin/products/{slug}/versions/{version}/sbom/generate", tags=["admin"])
def admin_generate_sbom(
    slug: Slug, version: Ver, who: ApiAdmin, db: DB, st: State, at: Now
) -> dict[str, Any]:
    row = services.generate_sbom(db, st.settings, slug, version, at)
    db.commit()
    return {"version": row.version, "components": [c.bom_ref for c in row.components]}


@api.put(
    "/admin/products/{slug}/versions/{version}/assessment",
    tags=["admin"],
    openapi_extra=_json_body("report.json from securable assess"),
)
def admin_attach_assessment(
    slug: Slug, version: Ver, who: ApiAdmin, db: DB, st: State, at: Now, text: JsonUpload
) -> dict[str, Any]:
    summary = services.attach_assessment(db, st.settings, slug, version, text, at)
    db.commit()
    return summary


@api.post("/admin/vulnerabilities", status_code=201, tags=["admin"])
def admin_create_vulnerability(data: VulnerabilityIn, who: ApiAdmin, db: DB, at: Now) -> dict[str, str]:
    row = services.create_vulnerability(db, data, at)
    db.commit()
    return {"ident": row.ident}


@api.post("/admin/vex", status_code=201, tags=["admin"])
def admin_add_vex(data: VexIn, who: ApiAdmin, db: DB, st: State, at: Now) -> dict[str, Any]:
    row = services.add_statement(db, st.settings, data, who.admin.username, at)
    db.commit()
    return {"id": row.id, "status": row.status}


@api.post("/admin/advisories", status_code=201, tags=["admin"])
def admin_create_advisory(data: AdvisoryIn, who: ApiAdmin, db: DB, st: State, at: Now) -> dict[str, str]:
    row = services.create_advisory(db, st.settings, data, at)
    db.commit()
    return {"tracking_id": row.tracking_id, "status": row.status}


@api.put("/admin/advisories/{tracking_id}", tags=["admin"])
def admin_edit_advisory(
    tracking_id: Annotated[str, Path(max_length=100)], data: AdvisoryEditIn, who: ApiAdmin, db: DB
) -> dict[str, Any]:
    """Edit a draft (or the next revision of a published advisory)."""
    row = services.update_advisory(db, tracking_id, data)
    db.commit()
    return {
        "tracking_id": row.tracking_id,
        "status": row.status,
        "title": row.title,
        "vulnerabilities": row.vulnerability_idents,
    }


@api.get("/admin/advisories/{tracking_id}/preview", tags=["admin"])
def admin_preview_advisory(
    tracking_id: Annotated[str, Path(max_length=100)], who: ApiAdmin, db: DB, st: State, at: Now
) -> dict[str, Any]:
    adv = services.get_advisory(db, tracking_id)
    return services.render_advisory(db, st.settings, adv, at, release=False)


@api.post("/admin/advisories/{tracking_id}/publish", tags=["admin"])
def admin_publish_advisory(
    tracking_id: Annotated[str, Path(max_length=100)],
    data: PublishIn,
    who: ApiAdmin,
    db: DB,
    st: State,
    at: Now,
) -> dict[str, str]:
    doc = services.publish_advisory(db, st.settings, tracking_id, data.summary, who.admin.username, at)
    db.commit()
    return {"tracking_id": tracking_id, "path": doc.path, "sha256": doc.sha256}


# --------------------------------------------------------------------- publications (not /api)


@published.get("/products/{slug}/product.json", tags=["publications"])
def product_json(slug: Slug, db: DB, st: State, at: Now) -> dict[str, Any]:
    """Every FCC registry field, the CRA Annex II user information and the IR 8425 education items."""
    return publicinfo.product_json(st.settings, services.get_product(db, slug), now=at)


@published.get("/products/{slug}/openeox.json", tags=["publications"])
def product_openeox(slug: Slug, db: DB, at: Now) -> dict[str, Any]:
    return publicinfo.openeox(services.get_product(db, slug), now=at)


@published.get("/products/{slug}/qr.svg", tags=["publications"], response_class=Response)
def product_qr(slug: Slug, db: DB, st: State) -> Response:
    product = services.get_product(db, slug)
    return Response(
        publicinfo.qr_svg(publicinfo.product_url(st.settings, product)), media_type="image/svg+xml"
    )


@published.get(
    "/products/{slug}/versions/{version}/sbom.cdx.json", tags=["publications"], response_class=Response
)
def version_sbom(slug: Slug, version: Ver, db: DB) -> Response:
    row = services.get_version(db, slug, version)
    if not row.sbom_json:
        raise services.NotFoundError(f"no SBOM for {slug} {version}", diagnostics="upload or generate one")
    return Response(row.sbom_json, media_type="application/vnd.cyclonedx+json")


@published.get(
    "/products/{slug}/versions/{version}/vex.{fmt}.json", tags=["publications"], response_class=Response
)
def version_vex(
    slug: Slug,
    version: Ver,
    fmt: Annotated[str, Path(pattern="^(csaf|openvex|cdx)$")],
    db: DB,
    st: State,
    at: Now,
) -> Response:
    text, media = services.version_vex(db, st.settings, slug, version, fmt, at)
    return Response(text, media_type=media)


@published.get("/.well-known/security.txt", response_class=PlainTextResponse, tags=["publications"])
def security_txt(st: State, at: Now) -> PlainTextResponse:
    return PlainTextResponse(
        publicinfo.security_txt(st.settings, now=at), media_type="text/plain; charset=utf-8"
    )


@published.get("/.well-known/csaf/provider-metadata.json", tags=["csaf"])
def provider_metadata(db: DB, st: State, at: Now) -> dict[str, Any]:
    return csaf_provider.provider_metadata(
        st.settings, services.published_documents(db), now_text=rfc3339(at)
    )


@published.get("/.well-known/csaf/white/index.txt", response_class=PlainTextResponse, tags=["csaf"])
def csaf_index(db: DB) -> PlainTextResponse:
    return PlainTextResponse(csaf_provider.index_txt(services.published_documents(db)))


@published.get("/.well-known/csaf/white/changes.csv", response_class=PlainTextResponse, tags=["csaf"])
def csaf_changes(db: DB) -> PlainTextResponse:
    text = csaf_provider.changes_csv(services.published_documents(db), services.release_history(db))
    return PlainTextResponse(text, media_type="text/csv")


@published.get(f"/.well-known/csaf/white/{csaf_provider.FEED_NAME}", tags=["csaf"])
def csaf_feed(db: DB, st: State, at: Now) -> dict[str, Any]:
    return csaf_provider.rolie_feed(st.settings, services.published_documents(db), now_text=rfc3339(at))


@published.get("/.well-known/csaf/white/{year}/{name}", tags=["csaf"], response_class=Response)
def csaf_document(
    year: Annotated[str, Path(pattern="^[0-9]{4}$")],
    name: Annotated[str, Path(pattern=r"^[+\-a-z0-9_]+\.json(\.sha256|\.sha512)?$")],
    db: DB,
) -> Response:
    base, _, suffix = name.partition(".json")
    path = f"{year}/{base}.json"
    doc = db.scalar(select(PublishedDocument).where(PublishedDocument.path == path))
    if doc is None:
        raise HTTPException(status_code=404, detail="no such CSAF document")
    if suffix == ".sha256":
        return PlainTextResponse(csaf_provider.hash_file(doc.sha256, path))
    if suffix == ".sha512":
        return PlainTextResponse(csaf_provider.hash_file(doc.sha512, path))
    return Response(doc.content, media_type="application/json")


def advisory_rows(db: DB) -> list[Advisory]:
    return list(db.scalars(select(Advisory).order_by(Advisory.id.desc())))

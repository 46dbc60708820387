"""The portal's operations, shared by the JSON API and the server-rendered pages.

Each function takes a database session, the settings and ``now`` (injected time), changes rows, and
raises a :class:`~securable.errors.PortalError` subclass that names the problem and its fix.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from securable.errors import PortalError
from securable.portal import cases, csaf_provider, sbom, vex
from securable.portal.clock import as_utc, rfc3339
from securable.portal.models import (
    Advisory,
    Component,
    Product,
    ProductVersion,
    PublishedDocument,
    Report,
    VexStatement,
    Vulnerability,
)
from securable.portal.publicinfo import vendor_slug
from securable.portal.schemas import AdvisoryIn, ProductIn, ReportIn, VersionIn, VexIn, VulnerabilityIn
from securable.portal.settings import PortalSettings


class NotFoundError(PortalError):
    """The named product, version, case, vulnerability or advisory does not exist."""

    exit_code = 2


class ConflictError(PortalError):
    """The object exists already, or its state does not allow the action."""

    exit_code = 2


# ----------------------------------------------------------------------------------------- products


def get_product(db: Session, slug: str) -> Product:
    product = db.scalar(select(Product).where(Product.slug == slug))
    if product is None:
        raise NotFoundError(f"product {slug!r} not found", diagnostics="check the product slug on /products")
    return product


def get_version(db: Session, slug: str, version: str) -> ProductVersion:
    product = get_product(db, slug)
    for v in product.versions:
        if v.version == version:
            return v
    raise NotFoundError(f"version {version!r} of {slug!r} not found", diagnostics="add the version first")


def create_product(db: Session, data: ProductIn, now: datetime) -> Product:
    if db.scalar(select(Product).where(Product.slug == data.slug)) is not None:
        raise ConflictError(f"product {data.slug!r} exists already", diagnostics="pick another slug")
    product = Product(**data.model_dump(), created_at=now, updated_at=now)
    db.add(product)
    db.flush()
    return product


def update_product(db: Session, slug: str, data: ProductIn, now: datetime) -> Product:
    product = get_product(db, slug)
    if data.slug != slug:
        raise ConflictError("the slug of a product cannot change", diagnostics="printed QR codes point at it")
    for key, value in data.model_dump().items():
        setattr(product, key, value)
    product.updated_at = now
    return product


def _add_components(version: ProductVersion, items: list[sbom.ComponentInfo]) -> None:
    existing = {c.bom_ref for c in version.components}
    for item in items:
        if item.bom_ref in existing:
            continue
        existing.add(item.bom_ref)
        version.components.append(
            Component(
                name=item.name,
                version=item.version,
                purl=item.purl,
                supplier=item.supplier,
                bom_ref=item.bom_ref,
            )
        )


def add_version(db: Session, slug: str, data: VersionIn, now: datetime) -> ProductVersion:
    product = get_product(db, slug)
    if any(v.version == data.version for v in product.versions):
        raise ConflictError(
            f"version {data.version!r} of {slug!r} exists already", diagnostics="pick another version"
        )
    version = ProductVersion(version=data.version, released_on=data.released_on, created_at=now)
    product.versions.append(version)
    _add_components(
        version,
        [
            sbom.ComponentInfo(c.name, c.version, c.purl, c.supplier, c.purl or f"{c.name}@{c.version}")
            for c in data.components
        ],
    )
    db.flush()
    return version


def product_purl(settings: PortalSettings, product: Product, version: str) -> str:
    return vex.product_purl(vendor_slug(settings), product.slug, version)


def upload_sbom(db: Session, slug: str, version: str, text: str, now: datetime) -> ProductVersion:
    row = get_version(db, slug, version)
    items = sbom.parse_upload(text)
    row.sbom_json = text
    row.sbom_source = "upload"
    row.sbom_updated_at = now
    _add_components(row, items)
    return row


def generate_sbom(
    db: Session, settings: PortalSettings, slug: str, version: str, now: datetime
) -> ProductVersion:
    row = get_version(db, slug, version)
    product = row.product
    items = [sbom.ComponentInfo(c.name, c.version, c.purl, c.supplier, c.bom_ref) for c in row.components]
    row.sbom_json = sbom.generate(
        vendor=product.manufacturer_name,
        product_name=product.name,
        version=row.version,
        product_purl=product_purl(settings, product, row.version),
        support_end=product.support_end,
        components=items,
        timestamp=now,
    )
    row.sbom_source = "generated"
    row.sbom_updated_at = now
    return row


def attach_assessment(
    db: Session, settings: PortalSettings, slug: str, version: str, text: str, now: datetime
) -> dict[str, Any]:
    """Attach a ``securable assess`` report to a version, take its inventory and (re)generate the SBOM."""
    row = get_version(db, slug, version)
    summary = sbom.report_summary(text)
    _add_components(row, sbom.components_from_report(text))
    row.assessment_json = text
    row.assessment_attached_at = now
    db.flush()
    if row.sbom_source != "upload":
        generate_sbom(db, settings, slug, version, now)
    return summary


# ------------------------------------------------------------------------------------------ reports


def submit_report(db: Session, settings: PortalSettings, data: ReportIn, now: datetime) -> Report:
    product = None
    if data.product:
        product = db.scalar(select(Product).where(Product.slug == data.product))
        if product is None:
            raise NotFoundError(
                f"product {data.product!r} not found",
                diagnostics="pick a product from the list or leave it empty",
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
    report = db.scalar(select(Report).where(Report.receipt == receipt)) if receipt else None
    if report is None:
        raise NotFoundError(
            "no report with that receipt", diagnostics="copy the receipt exactly as shown when you filed it"
        )
    return report


def get_case(db: Session, case_id: int) -> Report:
    report = db.get(Report, case_id)
    if report is None:
        raise NotFoundError(f"case {case_id} not found", diagnostics="see the case list on /admin")
    return report


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


# ------------------------------------------------------------------------------ vulnerabilities/VEX


def create_vulnerability(db: Session, data: VulnerabilityIn, now: datetime) -> Vulnerability:
    if db.scalar(select(Vulnerability).where(Vulnerability.ident == data.ident)) is not None:
        raise ConflictError(f"vulnerability {data.ident!r} exists already", diagnostics="use another ID")
    report_id = find_report(db, data.case_receipt).id if data.case_receipt else None
    row = Vulnerability(
        ident=data.ident,
        title=data.title,
        description=data.description,
        cwe=data.cwe,
        report_id=report_id,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def get_vulnerability(db: Session, ident: str) -> Vulnerability:
    row = db.scalar(select(Vulnerability).where(Vulnerability.ident == ident))
    if row is None:
        raise NotFoundError(f"vulnerability {ident!r} not found", diagnostics="create it first")
    return row


def add_statement(
    db: Session, settings: PortalSettings, data: VexIn, actor: str, now: datetime
) -> VexStatement:
    """Record a VEX statement; the previous one for the same triple is kept but marked superseded."""
    vuln = get_vulnerability(db, data.vulnerability)
    version = get_version(db, data.product, data.version)
    component = None
    if data.component:
        component = next((c for c in version.components if c.bom_ref == data.component), None)
        if component is None:
            raise NotFoundError(
                f"component {data.component!r} is not in {data.product} {data.version}",
                diagnostics="use a bom-ref from that version's SBOM",
            )
    row = VexStatement(
        vulnerability=vuln,
        version=version,
        component=component,
        status=data.status,
        justification=data.justification,
        impact_statement=data.impact_statement,
        action_statement=data.action_statement,
        remediation=data.remediation,
        author=actor,
        created_at=now,
    )
    vex.check_statement(to_statement(settings, row))
    for old in current_statements(db, vulnerability_id=vuln.id, version_id=version.id):
        if old.component_id == (component.id if component else None):
            old.superseded_at = now
    db.add(row)
    db.flush()
    return row


def current_statements(
    db: Session, *, vulnerability_id: int | None = None, version_id: int | None = None
) -> list[VexStatement]:
    query = select(VexStatement).where(VexStatement.superseded_at.is_(None))
    if vulnerability_id is not None:
        query = query.where(VexStatement.vulnerability_id == vulnerability_id)
    if version_id is not None:
        query = query.where(VexStatement.version_id == version_id)
    return list(db.scalars(query.order_by(VexStatement.id)))


def product_ref(settings: PortalSettings, version: ProductVersion) -> vex.ProductRef:
    product = version.product
    return vex.ProductRef(
        key=f"{product.slug}-{version.version}",
        vendor=product.manufacturer_name,
        name=product.name,
        version=version.version,
        purl=product_purl(settings, product, version.version),
    )


def component_ref(c: Component) -> vex.ComponentRef:
    return vex.ComponentRef(key=c.bom_ref, name=c.name, version=c.version, purl=c.purl)


def to_statement(settings: PortalSettings, row: VexStatement) -> vex.Statement:
    v = row.vulnerability
    return vex.Statement(
        vulnerability=vex.VulnInfo(v.ident, v.title, v.description),
        product=product_ref(settings, row.version),
        component=component_ref(row.component) if row.component else None,
        status=row.status,
        timestamp=as_utc(row.created_at),
        justification=row.justification,
        impact_statement=row.impact_statement,
        action_statement=row.action_statement,
        remediation=row.remediation,
    )


def version_vex(
    db: Session, settings: PortalSettings, slug: str, version: str, fmt: str, now: datetime
) -> tuple[str, str]:
    """VEX for one product version in ``csaf``, ``openvex`` or ``cdx``; returns (text, media type)."""
    row = get_version(db, slug, version)
    statements = [to_statement(settings, s) for s in current_statements(db, version_id=row.id)]
    if not statements:
        raise NotFoundError(
            f"no VEX statements for {slug} {version} yet", diagnostics="add a statement first"
        )
    latest = max(s.timestamp for s in statements)
    if fmt == "openvex":
        doc = vex.openvex_document(
            settings.url(f"/products/{slug}/versions/{version}/vex.openvex.json"),
            settings.publisher_name,
            statements,
            timestamp=latest,
        )
        return vex.dumps(doc), "application/json"
    if fmt == "cdx":
        comps = [component_ref(c) for c in row.components]
        return vex.cyclonedx_vex(
            product_ref(settings, row), comps, statements, timestamp=latest
        ), "application/vnd.cyclonedx+json"
    first = min(s.timestamp for s in statements)
    meta = vex.DocumentMeta(
        tracking_id=f"{settings.tracking_prefix}-VEX-{slug}-{version}",
        title=f"VEX for {row.product.name} {version}",
        summary=f"Exploitability of known vulnerabilities in {row.product.name} {version}.",
        publisher_name=settings.publisher_name,
        publisher_namespace=settings.publisher_namespace,
        publisher_contact=settings.publisher_contact,
        initial_release=first,
        current_release=latest,
        revisions=(vex.Revision("1", latest, "Current VEX statements"),),
        profile="csaf_vex",
        canonical_url=settings.url(f"/products/{slug}/versions/{version}/vex.csaf.json"),
    )
    return vex.dumps(vex.csaf_document(meta, statements)), "application/json"


# ------------------------------------------------------------------------------------- advisories


def create_advisory(db: Session, settings: PortalSettings, data: AdvisoryIn, now: datetime) -> Advisory:
    for ident in data.vulnerabilities:
        get_vulnerability(db, ident)
    report_id = find_report(db, data.case_receipt).id if data.case_receipt else None
    count = len(list(db.scalars(select(Advisory.id)))) + 1
    tracking = f"{settings.tracking_prefix}-{now.year}-{count:04d}"
    while db.scalar(select(Advisory).where(Advisory.tracking_id == tracking)) is not None:
        count += 1
        tracking = f"{settings.tracking_prefix}-{now.year}-{count:04d}"
    row = Advisory(
        tracking_id=tracking,
        title=data.title,
        summary=data.summary,
        profile=data.profile,
        vulnerability_ids=",".join(data.vulnerabilities),
        report_id=report_id,
        status="draft",
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def get_advisory(db: Session, tracking_id: str) -> Advisory:
    row = db.scalar(select(Advisory).where(Advisory.tracking_id == tracking_id))
    if row is None:
        raise NotFoundError(f"advisory {tracking_id!r} not found", diagnostics="see the advisory list")
    return row


def _advisory_statements(db: Session, settings: PortalSettings, adv: Advisory) -> list[vex.Statement]:
    out: list[vex.Statement] = []
    for ident in adv.vulnerability_ids.split(","):
        vuln = get_vulnerability(db, ident)
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
    )
    return vex.csaf_document(meta, _advisory_statements(db, settings, adv))


def publish_advisory(
    db: Session, settings: PortalSettings, tracking_id: str, summary: str, actor: str, now: datetime
) -> PublishedDocument:
    """Release (or re-release) an advisory: new revision, frozen text, hashes; closes its case."""
    adv = get_advisory(db, tracking_id)
    history = json.loads(adv.revision_history)
    number = adv.revision + 1
    history.append(
        {
            "number": str(number),
            "date": now.isoformat(),
            "summary": summary or ("Initial release" if number == 1 else "Update"),
        }
    )
    previous = (
        adv.revision,
        adv.revision_history,
        adv.status,
        adv.initial_release_at,
        adv.current_release_at,
    )
    adv.revision = number
    adv.revision_history = json.dumps(history)
    adv.status = "published"
    adv.initial_release_at = adv.initial_release_at or now
    adv.current_release_at = now
    try:
        doc = render_advisory(db, settings, adv, now, release=True)
    except PortalError:
        adv.revision, adv.revision_history, adv.status, adv.initial_release_at, adv.current_release_at = (
            previous
        )
        raise
    text = vex.dumps(doc)
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
    if adv.report_id is not None:
        report = db.get(Report, adv.report_id)
        if report is not None and report.status == "fixed":
            cases.transition(
                report, "disclosed", actor=actor, note=f"advisory {adv.tracking_id} published", now=now
            )
    db.flush()
    return published


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

"""Vulnerabilities and the VEX statements about them, rendered per product version in three formats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from securable.portal import vex
from securable.portal.clock import as_utc
from securable.portal.models import Component, ProductVersion, VexStatement, Vulnerability
from securable.portal.schemas import VexIn, VulnerabilityIn
from securable.portal.services.common import ConflictError, NotFoundError, _one_or_404
from securable.portal.services.products import get_version, product_purl
from securable.portal.services.reports import find_report
from securable.portal.settings import PortalSettings


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
    return _one_or_404(
        db,
        select(Vulnerability).where(Vulnerability.ident == ident),
        f"vulnerability {ident!r} not found",
        "create it first",
    )


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

"""Products, their versions and components, SBOMs and attached assessment reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from securable.portal import sbom, vex
from securable.portal.models import Component, Product, ProductVersion
from securable.portal.publicinfo import vendor_slug
from securable.portal.schemas import ProductIn, VersionIn
from securable.portal.services.common import ConflictError, _one_or_404
from securable.portal.settings import PortalSettings


def get_product(db: Session, slug: str) -> Product:
    return _one_or_404(
        db,
        select(Product).where(Product.slug == slug),
        f"product {slug!r} not found",
        "check the product slug on /products",
    )


def get_version(db: Session, slug: str, version: str) -> ProductVersion:
    get_product(db, slug)
    return _one_or_404(
        db,
        select(ProductVersion).join(Product).where(Product.slug == slug, ProductVersion.version == version),
        f"version {version!r} of {slug!r} not found",
        "add the version first",
    )


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

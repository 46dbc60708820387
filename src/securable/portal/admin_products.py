"""Admin pages for products: create and edit the product record, add versions, upload or generate SBOMs,
attach ``securable assess`` reports. Every form carries the session's CSRF token."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from securable.errors import PortalError
from securable.portal import services
from securable.portal.models import Product
from securable.portal.pages import (
    MAX_UPLOAD,
    admin_post,
    admin_principal,
    back_to,
    error_text,
    login_redirect,
    render,
    validation_messages,
)
from securable.portal.schemas import SLUG, VERSION, ProductIn, VersionIn
from securable.portal.web import DB, Now, State

admin_products = APIRouter(include_in_schema=False)
Slug = Annotated[str, Path(pattern=SLUG)]
Ver = Annotated[str, Path(pattern=VERSION)]

# (field, label, input kind); the order is the form's order
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("slug", "Slug (URL name; cannot change later)", "text"),
    ("name", "Product name", "text"),
    ("model", "Model", "text"),
    ("description", "Description", "textarea"),
    ("manufacturer_name", "Manufacturer", "text"),
    ("manufacturer_address", "Postal address", "textarea"),
    ("manufacturer_email", "Contact email", "text"),
    ("manufacturer_website", "Website", "text"),
    ("support_end", "Security support ends (date)", "date"),
    ("support_type", "Type of security support", "textarea"),
    ("updates_automatic", "Security updates install automatically", "checkbox"),
    ("update_instructions", "How to get and install updates", "textarea"),
    ("disable_auto_update", "How to turn off automatic updates", "textarea"),
    (
        "default_password_change",
        "How to change the default password (or: it cannot be changed)",
        "textarea",
    ),
    ("secure_setup", "Secure setup and use", "textarea"),
    ("data_security_changes", "Changes that affect data security", "textarea"),
    ("disposal", "Secure decommissioning and disposal", "textarea"),
    ("integrator_info", "Information for integrators", "textarea"),
    ("security_capabilities", "Security capabilities and their use (IR 8425 EA-1a)", "textarea"),
    ("after_support", "Maintenance, also after support ends (EA-1b)", "textarea"),
    ("vulnerability_management", "Vulnerability management options (EA-1d)", "textarea"),
    ("intended_purpose", "Intended purpose", "textarea"),
    ("security_properties", "Essential functions and security properties", "textarea"),
    ("known_risks", "Known or foreseeable risks", "textarea"),
    ("documentation_url", "Documentation URL", "text"),
    ("eu_doc_url", "EU declaration of conformity URL", "text"),
    ("label_authorized_on", "Cyber Trust Mark authorized on (date)", "date"),
    ("label_status", "Label status", "text"),
    ("cla_name", "CLA name", "text"),
    ("cla_contact", "CLA contact", "text"),
    ("cyberlab_name", "CyberLAB name", "text"),
    ("cyberlab_contact", "CyberLAB contact", "text"),
    ("maintains_sbom", "The manufacturer maintains an SBOM", "checkbox"),
    ("maintains_hbom", "The manufacturer maintains an HBOM", "checkbox"),
    ("standards", "Standards / criteria applied", "textarea"),
)


def _product_values(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {key: values.get(key, "") for key, _, _ in FIELDS}
    for key, _, kind in FIELDS:
        if kind == "checkbox":
            data[key] = bool(values.get(key))
    data["label_authorized_on"] = values.get("label_authorized_on") or None
    return data


def _record_values(product: Product) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, _, _ in FIELDS:
        value = getattr(product, key)
        out[key] = value.isoformat() if isinstance(value, date) else value
    return out


def _url(slug: str) -> str:
    return f"/admin/products/{slug}"


@admin_products.get("/admin/products", response_class=HTMLResponse)
def product_list(request: Request, db: DB, at: Now) -> Response:
    principal = admin_principal(request, db, at)
    if principal is None:
        return login_redirect()
    assert principal.session is not None
    products = list(db.scalars(select(Product).order_by(Product.name)))
    return render(
        request,
        "admin_products.html",
        products=products,
        fields=FIELDS,
        values={"updates_automatic": True},
        errors=[],
        csrf=principal.session.csrf_token,
    )


@admin_products.post("/admin/products", response_class=HTMLResponse)
async def product_create(request: Request, db: DB, at: Now) -> Response:
    post = await admin_post(request, db, at, back="/admin/products")
    if isinstance(post, RedirectResponse):
        return post
    values = _product_values(post.values)
    try:
        product = services.create_product(db, ProductIn.model_validate(values), at)
    except (ValidationError, PortalError) as exc:
        db.rollback()
        errors = validation_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]
        products = list(db.scalars(select(Product).order_by(Product.name)))
        principal = post.principal
        assert principal.session is not None
        return render(
            request,
            "admin_products.html",
            422,
            products=products,
            fields=FIELDS,
            values=values,
            errors=errors,
            csrf=principal.session.csrf_token,
        )
    db.commit()
    return back_to(_url(product.slug))


@admin_products.get("/admin/products/{slug}", response_class=HTMLResponse)
def product_edit(slug: Slug, request: Request, db: DB, st: State, at: Now, error: str = "") -> Response:
    principal = admin_principal(request, db, at)
    if principal is None:
        return login_redirect()
    product = services.get_product(db, slug)
    assert principal.session is not None
    return render(
        request,
        "admin_product.html",
        product=product,
        fields=FIELDS,
        values=_record_values(product),
        error=error[:300],
        csrf=principal.session.csrf_token,
    )


@admin_products.post("/admin/products/{slug}")
async def product_update(slug: Slug, request: Request, db: DB, at: Now) -> Response:
    post = await admin_post(request, db, at, back=_url(slug))
    if isinstance(post, RedirectResponse):
        return post
    try:
        services.update_product(
            db, slug, ProductIn.model_validate({**_product_values(post.values), "slug": slug}), at
        )
    except (ValidationError, PortalError) as exc:
        db.rollback()
        return back_to(_url(slug), error_text(exc))
    db.commit()
    return back_to(_url(slug))


def _components(text: str) -> list[dict[str, str]]:
    """One component per line: ``name version [purl]``."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if parts:
            out.append(
                {
                    "name": parts[0],
                    "version": parts[1] if len(parts) > 1 else "",
                    "purl": parts[2] if len(parts) > 2 else "",
                }
            )
    return out


@admin_products.post("/admin/products/{slug}/versions")
async def version_add(slug: Slug, request: Request, db: DB, at: Now) -> Response:
    post = await admin_post(request, db, at, back=_url(slug))
    if isinstance(post, RedirectResponse):
        return post
    values = post.values
    try:
        data = VersionIn.model_validate(
            {
                "version": values.get("version", ""),
                "released_on": values.get("released_on") or None,
                "components": _components(values.get("components", "")),
            }
        )
        services.add_version(db, slug, data, at)
    except (ValidationError, PortalError) as exc:
        db.rollback()
        return back_to(_url(slug), error_text(exc))
    db.commit()
    return back_to(_url(slug))


def _read_upload(files: dict[str, bytes], name: str) -> str:
    data = files.get(name)
    if not data:
        raise services.ConflictError("no file was uploaded", diagnostics="choose a file and submit again")
    if len(data) > MAX_UPLOAD:
        raise services.ConflictError("the file is larger than 5 MiB", diagnostics="upload a smaller file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise services.ConflictError("the file is not UTF-8 text", diagnostics="upload JSON text") from None


@admin_products.post("/admin/products/{slug}/versions/{version}/{action}")
async def version_action(
    slug: Slug,
    version: Ver,
    action: Annotated[str, Path(pattern="^(sbom|generate-sbom|assessment)$")],
    request: Request,
    db: DB,
    st: State,
    at: Now,
) -> Response:
    post = await admin_post(request, db, at, back=_url(slug))
    if isinstance(post, RedirectResponse):
        return post
    try:
        if action == "sbom":
            services.upload_sbom(db, slug, version, _read_upload(post.files, "file"), at)
        elif action == "generate-sbom":
            services.generate_sbom(db, st.settings, slug, version, at)
        else:
            services.attach_assessment(db, st.settings, slug, version, _read_upload(post.files, "file"), at)
    except PortalError as exc:
        db.rollback()
        return back_to(_url(slug), str(exc))
    db.commit()
    return back_to(_url(slug))

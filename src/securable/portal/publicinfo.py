"""What the portal tells the public: product.json, the QR code, security.txt, the disclosure policy.

``product.json`` is one record that holds (a) the elements the FCC IoT Registry shows for a product bearing
the U.S. Cyber Trust Mark — 47 CFR § 8.222(b) as adopted in 2024, read from the catalog
(:func:`securable.catalog.registries.fcc_iot_registry`) —, (b) the CRA Annex II user information, and
(c) the NIST IR 8425 Education & Awareness items, each tied to its requirement ID.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import segno

from securable.catalog.registries import fcc_iot_registry
from securable.portal.clock import rfc3339
from securable.portal.models import Product, ProductVersion
from securable.portal.settings import PortalSettings

FCC_LABELS: dict[str, str] = {
    "product_name": "Product name",
    "manufacturer_name": "Manufacturer",
    "label_authorized_on": "Date authorized to bear the label",
    "label_status": "Status of the authorization",
    "cla": "Cybersecurity Label Administrator (CLA) and contact",
    "cyberlab": "Testing lab (CyberLAB)",
    "default_password_change": "How to change the default password",
    "secure_configuration": "How to configure the device securely",
    "updates_automatic": "Security updates are automatic",
    "update_instructions": "How to get and apply updates",
    "support_end": "Security support period ends",
    "supported": "Supported today (no: the device is not supported)",
    "sbom_hbom": "Bills of materials the manufacturer maintains (SBOM / HBOM)",
}
# (key, label, § 8.222(b) element number): the registry's fields in the rule's order.
FCC_FIELDS: tuple[tuple[str, str, int], ...] = tuple(
    (key, FCC_LABELS[key], fcc_iot_registry().element_of(key).number) for key in fcc_iot_registry().keys
)

EDUCATION: tuple[tuple[str, str, str], ...] = (
    ("nistir8425:EA-1a", "Security capabilities and how to use them", "security_capabilities"),
    ("nistir8425:EA-1b", "Maintaining the product, also after support ends", "after_support"),
    ("nistir8425:EA-1c", "Secure reprovisioning and disposal", "disposal"),
    ("nistir8425:EA-1d", "Vulnerability management options", "vulnerability_management"),
    ("nistir8425:EA-1e", "Support duration and scope, for informed purchase", "support_type"),
)


def support_end_text(end: date) -> str:
    """Month and year at least (CRA Art. 13), plus the exact day for machines elsewhere."""
    return end.strftime("%B %Y")


def product_url(settings: PortalSettings, product: Product) -> str:
    return settings.url(f"/products/{product.slug}")


def vendor_slug(settings: PortalSettings) -> str:
    base = "".join(ch if ch.isalnum() else "-" for ch in settings.publisher_name.lower()).strip("-")
    return "-".join(p for p in base.split("-") if p) or "vendor"


def version_links(settings: PortalSettings, product: Product, version: ProductVersion) -> dict[str, str]:
    base = f"/products/{product.slug}/versions/{version.version}"
    links = {
        "vex_csaf": settings.url(f"{base}/vex.csaf.json"),
        "vex_openvex": settings.url(f"{base}/vex.openvex.json"),
        "vex_cyclonedx": settings.url(f"{base}/vex.cdx.json"),
    }
    if version.sbom_json:
        links["sbom_cyclonedx"] = settings.url(f"{base}/sbom.cdx.json")
    return links


def product_json(settings: PortalSettings, product: Product, *, now: datetime) -> dict[str, Any]:
    page = product_url(settings, product)
    contact = f"mailto:{product.manufacturer_email}"
    latest_sbom = next((v for v in reversed(product.versions) if v.sbom_json), None)
    sbom_url = version_links(settings, product, latest_sbom)["sbom_cyclonedx"] if latest_sbom else ""
    values: dict[str, Any] = {
        "product_name": product.name,
        "manufacturer_name": product.manufacturer_name,
        "label_authorized_on": product.label_authorized_on.isoformat()
        if product.label_authorized_on
        else None,
        "label_status": product.label_status or None,
        "cla": {"name": product.cla_name, "contact": product.cla_contact} if product.cla_name else None,
        "cyberlab": {"name": product.cyberlab_name, "contact": product.cyberlab_contact}
        if product.cyberlab_name
        else None,
        "default_password_change": product.default_password_change,
        "secure_configuration": product.secure_setup,
        "updates_automatic": product.updates_automatic,
        "update_instructions": product.update_instructions,
        "support_end": product.support_end.isoformat(),
        "supported": product.support_end >= now.date(),
        "sbom_hbom": {
            "sbom_maintained": product.maintains_sbom or bool(sbom_url),
            "hbom_maintained": product.maintains_hbom,
            "sbom_available": bool(sbom_url),
            "sbom_url": sbom_url,
        },
    }
    registry = fcc_iot_registry()
    fcc = {key: values[key] for key, _, _ in FCC_FIELDS}
    fcc["rule"] = registry.rule
    fcc["source"] = registry.source
    fcc["elements"] = {key: number for key, _, number in FCC_FIELDS}
    annex_ii = {
        "1_manufacturer": {
            "name": product.manufacturer_name,
            "postal_address": product.manufacturer_address,
            "email": product.manufacturer_email,
            "website": product.manufacturer_website,
        },
        "2_vulnerability_contact": {
            "report_url": settings.url("/report"),
            "email": settings.publisher_contact,
            "cvd_policy_url": settings.url("/policy"),
            "security_txt": settings.url("/.well-known/security.txt"),
        },
        "3_product": {
            "name": product.name,
            "model": product.model,
            "versions": [v.version for v in product.versions],
        },
        "4_intended_purpose": {
            "purpose": product.intended_purpose,
            "essential_functions_and_security_properties": product.security_properties,
        },
        "5_known_risks": product.known_risks,
        "6_eu_declaration_of_conformity_url": product.eu_doc_url,
        "7_support": {
            "type": product.support_type,
            "end_date": product.support_end.isoformat(),
            "end_month_year": support_end_text(product.support_end),
        },
        "8_instructions": {
            "a_secure_use": product.secure_setup,
            "b_changes_and_data_security": product.data_security_changes,
            "c_installing_updates": product.update_instructions,
            "d_decommissioning_and_data_removal": product.disposal,
            "e_turning_off_automatic_updates": product.disable_auto_update,
            "f_integrator_information": product.integrator_info,
            "documentation_url": product.documentation_url,
        },
        "9_sbom_url": sbom_url,
    }
    education = [
        {"requirement": rid, "topic": topic, "text": getattr(product, attr)} for rid, topic, attr in EDUCATION
    ]
    return {
        "schema": "securable/product/v1",
        "generated": rfc3339(now),
        "url": page,
        "product": {
            "slug": product.slug,
            "name": product.name,
            "model": product.model,
            "description": product.description,
            "support_end": product.support_end.isoformat(),
            "supported": product.support_end >= now.date(),
            "updates_automatic": product.updates_automatic,
            "versions": [
                {
                    "version": v.version,
                    "released_on": v.released_on.isoformat() if v.released_on else None,
                    "links": version_links(settings, product, v),
                }
                for v in product.versions
            ],
        },
        "fcc_cyber_trust_mark": fcc,
        "cra_annex_ii": annex_ii,
        "nistir8425_education": education,
        "links": {
            "page": page,
            "product_json": page + "/product.json",
            "qr_svg": page + "/qr.svg",
            "openeox": page + "/openeox.json",
            "csaf_provider_metadata": settings.url("/.well-known/csaf/provider-metadata.json"),
            "security_txt": settings.url("/.well-known/security.txt"),
            "report_vulnerability": settings.url("/report"),
            "disclosure_policy": settings.url("/policy"),
            "contact": contact,
        },
    }


def openeox(product: Product, *, now: datetime) -> dict[str, Any]:
    """Support period in the OpenEoX core shape (CSD01; field names may still change upstream)."""
    return {
        "$schema": "https://docs.oasis-open.org/openeox/core/v1.0/schema/core.json",
        "end_of_life": product.support_end.isoformat(),
        "end_of_security_support": product.support_end.isoformat(),
        "last_updated": rfc3339(now),
    }


def qr_svg(url: str) -> bytes:
    """The QR code that the label carries, pointing at the product page."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(
        buf, kind="svg", scale=6, border=4, xmldecl=True, svgns=True, title="QR code"
    )
    return buf.getvalue()


def security_txt(settings: PortalSettings, *, now: datetime) -> str:
    """RFC 9116 security.txt, generated per request so ``Expires`` always lies ahead (rolling)."""
    expires = now + timedelta(days=settings.security_txt_days)
    lines = [
        f"Contact: {settings.url('/report')}",
        f"Contact: mailto:{settings.publisher_contact}",
        f"Expires: {rfc3339(expires)}",
        f"Policy: {settings.url('/policy')}",
        f"Canonical: {settings.url('/.well-known/security.txt')}",
        "Preferred-Languages: en",
        f"CSAF: {settings.url('/.well-known/csaf/provider-metadata.json')}",
    ]
    return "\n".join(lines) + "\n"

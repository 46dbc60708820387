"""One VEX model, three renders: CSAF 2.0 (security_advisory / csaf_vex), OpenVEX 0.2.0, CycloneDX 1.6 VEX.

A statement is *product version × (component) × vulnerability × status* with a justification or impact
statement (not affected) or an action statement (affected). CISA's four statuses and five justifications are
the canonical vocabulary; CSAF and OpenVEX use them natively. CycloneDX has its own justification list, so
that mapping is lossy: the native CISA label is kept in ``analysis.detail`` so nothing is silently dropped.

The renders are pure functions of plain dataclasses, so they are tested without a database. Anything a
format requires that is empty makes the render refuse (:class:`VexError`) — we never publish an empty
required string.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisJustification,
    ImpactAnalysisResponse,
    ImpactAnalysisState,
)
from cyclonedx.model.vulnerability import BomTarget, VulnerabilityAnalysis, VulnerabilitySource
from cyclonedx.model.vulnerability import Vulnerability as CdxVulnerability
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from securable import __version__
from securable.errors import PortalError
from securable.portal.clock import rfc3339

STATUSES = ("not_affected", "affected", "fixed", "under_investigation")
JUSTIFICATIONS = (
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
)
REMEDIATIONS = ("vendor_fix", "workaround", "mitigation", "no_fix_planned", "none_available")
CSAF_BUCKET = {
    "not_affected": "known_not_affected",
    "affected": "known_affected",
    "fixed": "fixed",
    "under_investigation": "under_investigation",
}
# CISA justification -> nearest CycloneDX justification (lossy; the native label goes to analysis.detail).
CDX_JUSTIFICATION = {
    "component_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_in_execute_path": ImpactAnalysisJustification.CODE_NOT_REACHABLE,
    "vulnerable_code_cannot_be_controlled_by_adversary": ImpactAnalysisJustification.REQUIRES_ENVIRONMENT,
    "inline_mitigations_already_exist": ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL,
}
CDX_STATE = {
    "not_affected": ImpactAnalysisState.NOT_AFFECTED,
    "affected": ImpactAnalysisState.EXPLOITABLE,
    "fixed": ImpactAnalysisState.RESOLVED,
    "under_investigation": ImpactAnalysisState.IN_TRIAGE,
}
CDX_RESPONSE = {
    "vendor_fix": ImpactAnalysisResponse.UPDATE,
    "workaround": ImpactAnalysisResponse.WORKAROUND_AVAILABLE,
    "mitigation": ImpactAnalysisResponse.WORKAROUND_AVAILABLE,
    "no_fix_planned": ImpactAnalysisResponse.WILL_NOT_FIX,
    "none_available": ImpactAnalysisResponse.CAN_NOT_FIX,
}
CVE_RE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,}$")
OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"
CSAF_SCHEMA_URL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"


class VexError(PortalError):
    """A VEX statement or document lacks what its format requires; nothing was published."""

    exit_code = 2


@dataclass(frozen=True)
class ProductRef:
    """A product version as VEX formats name it."""

    key: str  # stable, e.g. "acme-cam-1.2.0"
    vendor: str
    name: str
    version: str
    purl: str


@dataclass(frozen=True)
class ComponentRef:
    key: str  # the SBOM bom-ref
    name: str
    version: str
    purl: str = ""


@dataclass(frozen=True)
class VulnInfo:
    ident: str
    title: str
    description: str


@dataclass(frozen=True)
class Statement:
    vulnerability: VulnInfo
    product: ProductRef
    status: str
    timestamp: datetime
    component: ComponentRef | None = None
    justification: str = ""
    impact_statement: str = ""
    action_statement: str = ""
    remediation: str = ""


@dataclass(frozen=True)
class Revision:
    number: str
    date: datetime
    summary: str


@dataclass(frozen=True)
class DocumentMeta:
    tracking_id: str
    title: str
    summary: str
    publisher_name: str
    publisher_namespace: str
    publisher_contact: str
    initial_release: datetime
    current_release: datetime
    revisions: tuple[Revision, ...]
    status: str = "final"
    profile: str = "csaf_security_advisory"
    canonical_url: str = ""
    references: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (summary, url)
    acknowledgments: tuple[str, ...] = ()  # names of reporters who asked to be credited


def check_statement(st: Statement) -> None:
    """Refuse a statement that would render into an invalid or meaningless VEX claim."""
    where = f"VEX statement for {st.vulnerability.ident} on {st.product.name} {st.product.version}"
    if st.status not in STATUSES:
        raise VexError(
            f"{where}: unknown status {st.status!r}", diagnostics=f"use one of {', '.join(STATUSES)}"
        )
    if st.justification and st.justification not in JUSTIFICATIONS:
        raise VexError(
            f"{where}: unknown justification {st.justification!r}",
            diagnostics=f"use one of {', '.join(JUSTIFICATIONS)}",
        )
    if st.remediation and st.remediation not in REMEDIATIONS:
        raise VexError(
            f"{where}: unknown remediation {st.remediation!r}",
            diagnostics=f"use one of {', '.join(REMEDIATIONS)}",
        )
    if st.status == "not_affected" and not (st.justification or st.impact_statement.strip()):
        raise VexError(
            f"{where}: 'not_affected' needs a reason",
            diagnostics="give a justification or an impact statement",
        )
    if st.status == "affected" and not st.action_statement.strip():
        raise VexError(
            f"{where}: 'affected' needs an action statement", diagnostics="say what users should do"
        )
    if not st.vulnerability.description.strip():
        raise VexError(
            f"{where}: the vulnerability has no description", diagnostics="describe the vulnerability"
        )


def product_purl(vendor_slug: str, product_slug: str, version: str) -> str:
    return PackageURL(type="generic", namespace=vendor_slug, name=product_slug, version=version).to_string()


def _valid_purl(purl: str) -> bool:
    if not purl:
        return False
    try:
        PackageURL.from_string(purl)
    except ValueError:
        return False
    return True


def _pid(text: str) -> str:
    return "CSAFPID-" + re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")


def _subject_pid(st: Statement) -> str:
    if st.component is None:
        return _pid(st.product.key)
    return _pid(f"{st.product.key}--{st.component.key}")


# --------------------------------------------------------------------------------------------- CSAF


def csaf_document(meta: DocumentMeta, statements: list[Statement]) -> dict[str, Any]:
    """Render CSAF 2.0; ``meta.profile`` picks ``csaf_security_advisory`` or ``csaf_vex``."""
    if meta.profile not in ("csaf_security_advisory", "csaf_vex"):
        raise VexError(
            f"CSAF profile {meta.profile!r} is not rendered here",
            diagnostics="use csaf_security_advisory or csaf_vex",
        )
    if not statements:
        raise VexError(
            f"advisory {meta.tracking_id} has no VEX statements", diagnostics="add at least one statement"
        )
    for text, what in ((meta.title, "title"), (meta.summary, "summary"), (meta.tracking_id, "tracking id")):
        if not text.strip():
            raise VexError(
                f"advisory {meta.tracking_id or '?'}: empty {what}", diagnostics=f"fill in the {what}"
            )
    for st in statements:
        check_statement(st)

    # product tree: vendor -> product name -> product version; components as full product names
    vendors: dict[str, dict[str, dict[str, ProductRef]]] = defaultdict(lambda: defaultdict(dict))
    components: dict[str, ComponentRef] = {}
    relationships: dict[str, tuple[ProductRef, ComponentRef]] = {}
    for st in statements:
        vendors[st.product.vendor][st.product.name][st.product.version] = st.product
        if st.component is not None:
            components[st.component.key] = st.component
            relationships[_subject_pid(st)] = (st.product, st.component)

    branches = []
    for vendor, products in sorted(vendors.items()):
        name_branches = []
        for pname, versions in sorted(products.items()):
            version_branches = []
            for version, ref in sorted(versions.items()):
                product: dict[str, Any] = {"name": f"{pname} {version}", "product_id": _pid(ref.key)}
                if _valid_purl(ref.purl):
                    product["product_identification_helper"] = {"purl": ref.purl}
                version_branches.append({"category": "product_version", "name": version, "product": product})
            name_branches.append({"category": "product_name", "name": pname, "branches": version_branches})
        branches.append({"category": "vendor", "name": vendor, "branches": name_branches})
    tree: dict[str, Any] = {"branches": branches}
    if components:
        names = []
        for comp in sorted(components.values(), key=lambda c: c.key):
            entry: dict[str, Any] = {
                "name": f"{comp.name} {comp.version}".strip(),
                "product_id": _pid("component-" + comp.key),
            }
            if _valid_purl(comp.purl):
                entry["product_identification_helper"] = {"purl": comp.purl}
            names.append(entry)
        tree["full_product_names"] = names
        tree["relationships"] = [
            {
                "category": "default_component_of",
                "full_product_name": {
                    "name": f"{comp.name} {comp.version} in {prod.name} {prod.version}".replace("  ", " "),
                    "product_id": pid,
                },
                "product_reference": _pid("component-" + comp.key),
                "relates_to_product_reference": _pid(prod.key),
            }
            for pid, (prod, comp) in sorted(relationships.items())
        ]

    by_vuln: dict[str, list[Statement]] = defaultdict(list)
    for st in statements:
        by_vuln[st.vulnerability.ident].append(st)
    vulnerabilities = [_csaf_vulnerability(sts, meta) for _, sts in sorted(by_vuln.items())]

    document: dict[str, Any] = {
        "category": meta.profile,
        "csaf_version": "2.0",
        "distribution": {"tlp": {"label": "WHITE", "url": "https://www.first.org/tlp/"}},
        "lang": "en",
        "notes": [{"category": "summary", "title": "Summary", "text": meta.summary}],
        "publisher": {
            "category": "vendor",
            "name": meta.publisher_name,
            "namespace": meta.publisher_namespace,
            "contact_details": meta.publisher_contact,
        },
        "title": meta.title,
        "tracking": {
            "current_release_date": rfc3339(meta.current_release),
            "generator": {
                "date": rfc3339(meta.current_release),
                "engine": {"name": "securable", "version": __version__},
            },
            "id": meta.tracking_id,
            "initial_release_date": rfc3339(meta.initial_release),
            "revision_history": [
                {"date": rfc3339(r.date), "number": r.number, "summary": r.summary} for r in meta.revisions
            ],
            "status": meta.status,
            "version": meta.revisions[-1].number if meta.revisions else "1",
        },
    }
    if meta.acknowledgments:
        document["acknowledgments"] = [
            {"names": list(meta.acknowledgments), "summary": "for reporting the vulnerability"}
        ]
    refs = []
    if meta.canonical_url:
        refs.append({"category": "self", "summary": "Canonical URL", "url": meta.canonical_url})
    refs.extend({"category": "external", "summary": s, "url": u} for s, u in meta.references)
    if refs:
        document["references"] = refs
    return {"document": document, "product_tree": tree, "vulnerabilities": vulnerabilities}


def _csaf_vulnerability(sts: list[Statement], meta: DocumentMeta) -> dict[str, Any]:
    vuln = sts[0].vulnerability
    out: dict[str, Any] = {}
    if CVE_RE.match(vuln.ident):
        out["cve"] = vuln.ident
    else:
        out["ids"] = [{"system_name": f"{meta.publisher_name} advisory IDs", "text": vuln.ident}]
    out["notes"] = [{"category": "description", "title": "Description", "text": vuln.description}]
    if vuln.title.strip():
        out["title"] = vuln.title
    status: dict[str, list[str]] = defaultdict(list)
    flags: dict[str, list[str]] = defaultdict(list)
    threats: list[dict[str, Any]] = []
    remediations: list[dict[str, Any]] = []
    for st in sts:
        pid = _subject_pid(st)
        status[CSAF_BUCKET[st.status]].append(pid)
        if st.status == "not_affected":
            if st.justification:
                flags[st.justification].append(pid)
            if st.impact_statement.strip():
                threats.append({"category": "impact", "details": st.impact_statement, "product_ids": [pid]})
        elif st.status == "affected":
            remediations.append(
                {
                    "category": st.remediation or "none_available",
                    "details": st.action_statement,
                    "product_ids": [pid],
                }
            )
        elif st.status == "fixed" and st.action_statement.strip():
            remediations.append(
                {"category": "vendor_fix", "details": st.action_statement, "product_ids": [pid]}
            )
    out["product_status"] = {bucket: sorted(set(pids)) for bucket, pids in sorted(status.items())}
    if flags:
        out["flags"] = [{"label": label, "product_ids": sorted(set(p))} for label, p in sorted(flags.items())]
    if threats:
        out["threats"] = threats
    if remediations:
        out["remediations"] = remediations
    return out


# ------------------------------------------------------------------------------------------ OpenVEX


def openvex_document(
    doc_id: str, author: str, statements: list[Statement], *, timestamp: datetime, version: int = 1
) -> dict[str, Any]:
    """Render OpenVEX 0.2.0: product ``@id`` = the version's purl; components become subcomponents."""
    if not statements:
        raise VexError(
            f"OpenVEX document {doc_id}: no statements", diagnostics="add at least one VEX statement"
        )
    out_statements = []
    for st in statements:
        check_statement(st)
        product: dict[str, Any] = {"@id": st.product.purl, "identifiers": {"purl": st.product.purl}}
        if st.component is not None:
            sub: dict[str, Any] = {"@id": st.component.purl or f"urn:securable:component:{st.component.key}"}
            if _valid_purl(st.component.purl):
                sub["identifiers"] = {"purl": st.component.purl}
            product["subcomponents"] = [sub]
        item: dict[str, Any] = {
            "vulnerability": {"name": st.vulnerability.ident, "description": st.vulnerability.description},
            "timestamp": rfc3339(st.timestamp),
            "products": [product],
            "status": st.status,
        }
        if st.status == "not_affected":
            # the schema wants exactly one of the two; the other goes to status_notes so it is not lost
            if st.justification:
                item["justification"] = st.justification
                if st.impact_statement.strip():
                    item["status_notes"] = st.impact_statement
            else:
                item["impact_statement"] = st.impact_statement
        if st.action_statement.strip() and st.status in ("affected", "fixed"):
            item["action_statement"] = st.action_statement
        out_statements.append(item)
    return {
        "@context": OPENVEX_CONTEXT,
        "@id": doc_id,
        "author": author,
        "role": "Manufacturer",
        "timestamp": rfc3339(timestamp),
        "version": version,
        "tooling": f"securable {__version__}",
        "statements": out_statements,
    }


# -------------------------------------------------------------------------------------- CycloneDX VEX


def cyclonedx_vex(
    product: ProductRef, components: list[ComponentRef], statements: list[Statement], *, timestamp: datetime
) -> str:
    """Render a CycloneDX 1.6 VEX BOM for one product version; ``affects`` point at SBOM bom-refs."""
    for st in statements:
        check_statement(st)
    root = CdxComponent(
        name=product.name,
        version=product.version,
        type=ComponentType.FIRMWARE,
        bom_ref=f"product:{product.key}",
        purl=PackageURL.from_string(product.purl) if _valid_purl(product.purl) else None,
        supplier=OrganizationalEntity(name=product.vendor),
    )
    cdx_components = [
        CdxComponent(
            name=c.name,
            version=c.version or None,
            bom_ref=c.key,
            purl=PackageURL.from_string(c.purl) if _valid_purl(c.purl) else None,
        )
        for c in components
    ]
    known = {c.key for c in components}
    vulns = []
    for st in statements:
        ref = (
            st.component.key
            if st.component is not None and st.component.key in known
            else f"product:{product.key}"
        )
        detail_parts = []
        if st.justification:
            detail_parts.append(f"CISA VEX justification: {st.justification}.")
        if st.impact_statement.strip():
            detail_parts.append(st.impact_statement.strip())
        if st.action_statement.strip():
            detail_parts.append(st.action_statement.strip())
        analysis = VulnerabilityAnalysis(
            state=CDX_STATE[st.status],
            justification=CDX_JUSTIFICATION.get(st.justification) if st.status == "not_affected" else None,
            responses=[CDX_RESPONSE[st.remediation]] if st.status == "affected" and st.remediation else None,
            detail=" ".join(detail_parts) or None,
            last_updated=st.timestamp,
        )
        source = None
        if CVE_RE.match(st.vulnerability.ident):
            source = VulnerabilitySource(
                name="NVD", url=XsUri(f"https://nvd.nist.gov/vuln/detail/{st.vulnerability.ident}")
            )
        vulns.append(
            CdxVulnerability(
                bom_ref=f"vex:{st.vulnerability.ident}:{ref}",
                id=st.vulnerability.ident,
                source=source,
                description=st.vulnerability.description,
                analysis=analysis,
                affects=[BomTarget(ref=ref)],
                updated=st.timestamp,
            )
        )
    bom = Bom(
        metadata=BomMetaData(
            component=root,
            timestamp=timestamp,
            properties=[Property(name="securable:document", value="vex")],
        ),
        components=cdx_components,
        vulnerabilities=vulns,
    )
    bom.register_dependency(root, cdx_components)
    return str(JsonV1Dot6(bom).output_as_string(indent=2))


def dumps(doc: dict[str, Any]) -> str:
    """Stable JSON text for publication and hashing; keys sorted as CSAF's optional test 6.2.13 asks."""
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

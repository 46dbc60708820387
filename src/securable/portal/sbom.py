"""CycloneDX SBOM per product version: accept an upload, or generate one from components/an assessment report.

Uploads are checked by cyclonedx-python-lib's strict JSON validator for the version they declare, then
their components are copied into the portal's component table so VEX statements can name them. Generated
SBOMs carry the support period as CycloneDX lifecycle milestone properties, so the end date travels with
the SBOM (CRA Annex I Part II (1), Annex II (9)).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.lifecycle import LifecyclePhase, PredefinedLifecycle
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from securable.errors import PortalError
from securable.portal import jsonlimits

SUPPORTED_SPECS = {"1.4": SchemaVersion.V1_4, "1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}


class SbomError(PortalError):
    """An uploaded SBOM or assessment report is not usable; the message names the problem."""

    exit_code = 2


@dataclass(frozen=True)
class ComponentInfo:
    name: str
    version: str
    purl: str
    supplier: str
    bom_ref: str


def _purl_ok(purl: str) -> bool:
    try:
        PackageURL.from_string(purl)
    except ValueError:
        return False
    return True


def parse_upload(text: str) -> list[ComponentInfo]:
    """Validate an uploaded CycloneDX JSON SBOM and return its (flattened) components."""
    try:
        doc = jsonlimits.loads(text, what="SBOM")
    except json.JSONDecodeError as exc:
        raise SbomError(
            f"SBOM is not JSON ({exc.msg} at line {exc.lineno})", diagnostics="upload CycloneDX JSON"
        ) from None
    if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
        raise SbomError(
            "SBOM is not a CycloneDX document", diagnostics="upload CycloneDX JSON (bomFormat: CycloneDX)"
        )
    spec = str(doc.get("specVersion", ""))
    if spec not in SUPPORTED_SPECS:
        raise SbomError(
            f"CycloneDX specVersion {spec!r} is not supported",
            diagnostics="use CycloneDX 1.4, 1.5 or 1.6 JSON",
        )
    error = JsonStrictValidator(SUPPORTED_SPECS[spec]).validate_str(text)
    if error is not None:
        first = str(error).splitlines()[0][:300]
        raise SbomError(
            f"SBOM fails the CycloneDX {spec} schema: {first}", diagnostics="fix the SBOM and upload again"
        )
    found: list[ComponentInfo] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            name = str(item.get("name", "")).strip()
            if not name:
                continue
            version = str(item.get("version", ""))
            purl = str(item.get("purl", ""))
            ref = str(item.get("bom-ref") or purl or f"{name}@{version}")
            supplier = item.get("supplier", {}) or {}
            found.append(
                ComponentInfo(
                    name, version, purl if _purl_ok(purl) else "", str(supplier.get("name", "")), ref
                )
            )
            walk(item.get("components", []) or [])

    walk(doc.get("components", []) or [])
    return found


def components_from_report(text: str) -> list[ComponentInfo]:
    """Read the package inventory out of a ``securable/report/v1`` report.

    The inventory is taken from a top-level ``inventory`` list, or from ``evidence.packages`` of findings;
    each entry needs ``name`` and may have ``version``, ``purl`` and ``supplier``.
    """
    try:
        doc = jsonlimits.loads(text, what="assessment report")
    except json.JSONDecodeError as exc:
        raise SbomError(
            f"report is not JSON ({exc.msg})",
            diagnostics="attach the report.json written by securable assess",
        ) from None
    if not isinstance(doc, dict) or doc.get("schema") != "securable/report/v1":
        raise SbomError(
            "report is not a securable/report/v1 document",
            diagnostics="attach report.json from securable assess",
        )
    entries: list[dict[str, Any]] = []
    if isinstance(doc.get("inventory"), list):
        entries.extend(e for e in doc["inventory"] if isinstance(e, dict))
    for finding in doc.get("findings", []) or []:
        evidence = finding.get("evidence") if isinstance(finding, dict) else None
        if isinstance(evidence, dict) and isinstance(evidence.get("packages"), list):
            entries.extend(e for e in evidence["packages"] if isinstance(e, dict))
    seen: dict[str, ComponentInfo] = {}
    for e in entries:
        name = str(e.get("name", "")).strip()
        if not name:
            continue
        version = str(e.get("version", ""))
        purl = str(e.get("purl", ""))
        ref = purl if purl and _purl_ok(purl) else f"{name}@{version}"
        seen.setdefault(
            ref, ComponentInfo(name, version, purl if _purl_ok(purl) else "", str(e.get("supplier", "")), ref)
        )
    return list(seen.values())


def report_summary(text: str) -> dict[str, Any]:
    """The parts of an assessment report a product page shows; refuses anything else."""
    try:
        doc = jsonlimits.loads(text, what="assessment report")
    except json.JSONDecodeError as exc:
        raise SbomError(
            f"report is not JSON ({exc.msg})",
            diagnostics="attach the report.json written by securable assess",
        ) from None
    if not isinstance(doc, dict) or doc.get("schema") != "securable/report/v1":
        raise SbomError(
            "report is not a securable/report/v1 document",
            diagnostics="attach report.json from securable assess",
        )
    raw_summary = doc.get("summary")
    summary: dict[str, Any] = raw_summary if isinstance(raw_summary, dict) else {}
    requirements = [r for r in doc.get("requirements", []) if isinstance(r, dict)]
    return {
        "profile": str(doc.get("profile", "")),
        "finished": str(doc.get("finished", "")),
        "summary": {str(k): int(v) for k, v in summary.items() if isinstance(v, int)},
        "requirements": [
            {"id": str(r.get("id", "")), "verdict": str(r.get("verdict", ""))} for r in requirements
        ],
    }


def generate(
    *,
    vendor: str,
    product_name: str,
    version: str,
    product_purl: str,
    support_end: date,
    components: list[ComponentInfo],
    timestamp: datetime,
) -> str:
    """A CycloneDX 1.6 SBOM for one product version, with the support end as lifecycle properties."""
    root = CdxComponent(
        name=product_name,
        version=version,
        type=ComponentType.FIRMWARE,
        bom_ref=f"product:{product_purl}",
        purl=PackageURL.from_string(product_purl),
        supplier=OrganizationalEntity(name=vendor),
        properties=[
            Property(name="cdx:lifecycle:milestone:endOfSupport", value=support_end.isoformat()),
        ],
    )
    parts = [
        CdxComponent(
            name=c.name,
            version=c.version or None,
            bom_ref=c.bom_ref,
            purl=PackageURL.from_string(c.purl) if c.purl else None,
            supplier=OrganizationalEntity(name=c.supplier) if c.supplier else None,
        )
        for c in components
    ]
    bom = Bom(
        metadata=BomMetaData(
            component=root,
            timestamp=timestamp,
            supplier=OrganizationalEntity(name=vendor),
            lifecycles=[PredefinedLifecycle(LifecyclePhase.BUILD)],
        ),
        components=parts,
    )
    bom.register_dependency(root, parts)
    return str(JsonV1Dot6(bom).output_as_string(indent=2))

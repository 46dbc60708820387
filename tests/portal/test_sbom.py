"""SBOM per product version: upload (validated), generate, import from an assessment report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component
from cyclonedx.output.json import JsonV1Dot5
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from .conftest import Portal, seed_product

REPORT: dict[str, Any] = {
    "schema": "securable/report/v1",
    "tool": {"name": "securable", "version": "0.1.0"},
    "profile": "nistir8425",
    "started": "2026-11-28T10:00:00Z",
    "finished": "2026-11-28T10:01:00Z",
    "targets": [{"kind": "firmware", "ref": "cam-1.2.0.squashfs"}],
    "findings": [
        {
            "check": "fw.packages.inventory",
            "verdict": "pass",
            "severity": "info",
            "requirements": ["nistir8425:AI-2"],
            "location": {"path": "/var/lib/dpkg/status"},
            "message": "2 packages",
            "evidence": {
                "packages": [
                    {"name": "dropbear", "version": "2022.83", "purl": "pkg:deb/debian/dropbear@2022.83"},
                    {"name": "zlib", "version": "1.2.13"},
                ]
            },
        },
        {
            "check": "fw.credentials.empty-password",
            "verdict": "fail",
            "severity": "high",
            "requirements": ["nistir8425:IAC-1b"],
            "location": {"path": "/etc/shadow"},
            "message": "root has no password",
            "evidence": {},
        },
    ],
    "requirements": [
        {"id": "nistir8425:IAC-1b", "verdict": "fail", "checks": ["fw.credentials.empty-password"]}
    ],
    "summary": {
        "pass": 1,
        "fail": 1,
        "inconclusive": 0,
        "not_applicable": 0,
        "manual": 0,
        "error": 0,
        "not_assessed": 3,
    },
}


def uploaded_bom() -> str:
    bom = Bom(
        components=[
            Component(
                name="libcurl",
                version="8.5.0",
                bom_ref="curl",
                purl=PackageURL.from_string("pkg:generic/curl@8.5.0"),
            )
        ]
    )
    bom.metadata.timestamp = datetime(2026, 11, 1, tzinfo=UTC)
    return str(JsonV1Dot5(bom).output_as_string())


def test_generated_sbom_is_valid_and_carries_support_end(portal: Portal) -> None:
    seed_product(portal)
    r = portal.post("/api/v1/admin/products/cam/versions/1.2.0/sbom/generate")
    assert r.status_code == 200
    text = portal.client.get("/products/cam/versions/1.2.0/sbom.cdx.json").text
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    props = {p["name"]: p["value"] for p in doc["metadata"]["component"]["properties"]}
    assert props["cdx:lifecycle:milestone:endOfSupport"] == "2031-06-30"
    assert {c["name"] for c in doc["components"]} == {"openssl", "busybox"}
    page = portal.client.get("/products/cam").text
    assert "/products/cam/versions/1.2.0/sbom.cdx.json" in page
    assert (
        portal.client.get("/products/cam/product.json")
        .json()["cra_annex_ii"]["9_sbom_url"]
        .endswith("sbom.cdx.json")
    )


def test_upload_valid_sbom_adds_components(portal: Portal) -> None:
    seed_product(portal)
    r = portal.client.put(
        "/api/v1/admin/products/cam/versions/1.2.0/sbom",
        content=uploaded_bom(),
        headers={**portal.auth, "content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert "curl" in r.json()["components"]
    # the uploaded component can now carry a VEX statement
    portal.post(
        "/api/v1/admin/vulnerabilities",
        {"ident": "CVE-2026-50000", "title": "curl bug", "description": "A bug in libcurl."},
    )
    r = portal.post(
        "/api/v1/admin/vex",
        {
            "vulnerability": "CVE-2026-50000",
            "product": "cam",
            "version": "1.2.0",
            "component": "curl",
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
        },
    )
    assert r.status_code == 201


def test_invalid_sbom_is_refused_with_the_reason(portal: Portal) -> None:
    seed_product(portal)
    bad = json.loads(uploaded_bom())
    bad["components"][0]["type"] = "spaceship"
    r = portal.client.put("/api/v1/admin/products/cam/versions/1.2.0/sbom", json=bad, headers=portal.auth)
    assert r.status_code == 422
    assert "CycloneDX 1.5 schema" in r.json()["detail"]
    r = portal.client.put(
        "/api/v1/admin/products/cam/versions/1.2.0/sbom",
        json={"spdxVersion": "SPDX-2.3"},
        headers=portal.auth,
    )
    assert r.status_code == 422 and "not a CycloneDX" in r.json()["detail"]
    assert portal.client.get("/products/cam/versions/1.2.0/sbom.cdx.json").status_code == 404


def test_assessment_report_is_attached_and_feeds_the_sbom(any_portal: Portal) -> None:
    portal = any_portal
    seed_product(portal)
    r = portal.client.put(
        "/api/v1/admin/products/cam/versions/1.2.0/assessment", json=REPORT, headers=portal.auth
    )
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["fail"] == 1
    sbom = portal.client.get("/products/cam/versions/1.2.0/sbom.cdx.json").json()
    names = {c["name"] for c in sbom["components"]}
    assert {"dropbear", "zlib", "openssl"} <= names
    page = portal.client.get("/products/cam").text
    assert "nistir8425: pass 1, fail 1" in page
    r = portal.client.put(
        "/api/v1/admin/products/cam/versions/1.2.0/assessment", json={"schema": "other"}, headers=portal.auth
    )
    assert r.status_code == 422 and "securable/report/v1" in r.json()["detail"]


DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_uploads_are_refused_with_400(portal: Portal) -> None:
    """100 000 levels of nesting used to end in RecursionError (500) on the admin upload paths."""
    seed_product(portal)
    headers = {**portal.auth, "content-type": "application/json"}
    for path in ("sbom", "assessment"):
        for body in (DEEP, '{"a":' * 50_000 + "1" + "}" * 50_000):
            r = portal.client.put(
                f"/api/v1/admin/products/cam/versions/1.2.0/{path}", content=body, headers=headers
            )
            assert r.status_code == 400, (path, r.status_code, r.text[:200])
            assert "nests more than 64 levels" in r.json()["detail"]
    from .test_security import login

    csrf = login(portal)
    for action in ("sbom", "assessment"):
        r = portal.client.post(
            f"/admin/products/cam/versions/1.2.0/{action}",
            data={"csrf": csrf},
            files={"file": ("bom.json", DEEP.encode(), "application/json")},
            follow_redirects=False,
        )
        assert r.status_code == 303 and "nests%20more%20than%2064" in r.headers["location"]


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    from securable.portal.jsonlimits import nesting_depth

    assert nesting_depth(json.dumps({"name": "[[[[{{{{", "x": [[1]], "esc": '\\"[['})) == 3
    assert nesting_depth("[]") == 1 and nesting_depth('"[["') == 0

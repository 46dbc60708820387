"""Every VEX/advisory output is checked by its format's own validator, not by our reading of it.

CSAF 2.0: the ``csaf`` validator (schema + mandatory tests 6.1.x, incl. the 6.1.27 profile tests);
OpenVEX: the OpenVEX 0.2.0 JSON schema (vendored); CycloneDX: cyclonedx-python-lib's strict validator.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from securable.portal import vex

from .conftest import Portal, csaf_validate_cli, load_schema, seed_product

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PRODUCT_A = vex.ProductRef(
    "cam-1.2.0", "Acme Devices", "Acme Cam", "1.2.0", vex.product_purl("acme", "cam", "1.2.0")
)
PRODUCT_B = vex.ProductRef(
    "cam-1.3.0", "Acme Devices", "Acme Cam", "1.3.0", vex.product_purl("acme", "cam", "1.3.0")
)
OPENSSL = vex.ComponentRef(
    "pkg:deb/debian/openssl@3.0.11", "openssl", "3.0.11", "pkg:deb/debian/openssl@3.0.11"
)
V1 = vex.VulnInfo("CVE-2026-40001", "RTSP overflow", "A long header overflows a heap buffer.")
V2 = vex.VulnInfo("ACME-2026-0002", "Debug shell", "A debug shell is reachable on port 2323.")


def all_kinds() -> list[vex.Statement]:
    return [
        vex.Statement(
            V1,
            PRODUCT_A,
            "affected",
            NOW,
            OPENSSL,
            action_statement="Update to 1.3.0.",
            remediation="vendor_fix",
        ),
        vex.Statement(V1, PRODUCT_B, "fixed", NOW, action_statement="Fixed in 1.3.0."),
        vex.Statement(
            V2,
            PRODUCT_A,
            "not_affected",
            NOW,
            justification="component_not_present",
            impact_statement="The shell is not built into release images.",
        ),
        vex.Statement(V2, PRODUCT_B, "not_affected", NOW, impact_statement="Port 2323 is firewalled off."),
        vex.Statement(V1, PRODUCT_A, "under_investigation", NOW),
    ]


def meta(profile: str) -> vex.DocumentMeta:
    return vex.DocumentMeta(
        tracking_id="ACME-SA-2026-0007",
        title="Acme Cam advisory",
        summary="Two issues in Acme Cam.",
        publisher_name="Acme Devices",
        publisher_namespace="https://acme.example",
        publisher_contact="psirt@acme.example",
        initial_release=NOW,
        current_release=NOW,
        revisions=(vex.Revision("1", NOW, "Initial release"),),
        profile=profile,
        canonical_url="https://acme.example/.well-known/csaf/white/2026/acme-sa-2026-0007.json",
    )


def write(tmp: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp / name
    path.write_text(vex.dumps(doc))
    return path


def test_csaf_both_profiles_pass_the_csaf_validator(tmp_path: Path) -> None:
    # one statement per product/vulnerability pair (under_investigation for cam-1.2.0 would contradict)
    statements = all_kinds()[:4]
    files = [
        write(tmp_path, f"{profile}.json", vex.csaf_document(meta(profile), statements))
        for profile in ("csaf_security_advisory", "csaf_vex")
    ]
    result = csaf_validate_cli(files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6.1.27" in result.stdout  # the profile tests ran


def test_csaf_validator_catches_a_broken_document(tmp_path: Path) -> None:
    """Guard that the validator call can fail: drop the impact statement the VEX profile requires."""
    doc = vex.csaf_document(meta("csaf_vex"), all_kinds()[2:4])
    for v in doc["vulnerabilities"]:
        v.pop("threats", None)
        v.pop("flags", None)
    result = csaf_validate_cli([write(tmp_path, "broken.json", doc)])
    assert result.returncode != 0
    assert "[FAIL] 6.1.27" in result.stdout
    assert "requires an impact statement" in result.stdout


def test_openvex_passes_the_openvex_schema() -> None:
    doc = vex.openvex_document(
        "https://acme.example/vex/cam.json", "Acme Devices", all_kinds(), timestamp=NOW
    )
    schema = load_schema("openvex_json_schema.json")
    jsonschema.validate(doc, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    by_status = {s["status"]: s for s in doc["statements"]}
    assert by_status["affected"]["action_statement"] == "Update to 1.3.0."
    # both a justification and an impact statement: the schema allows one, the other is kept in notes
    both = doc["statements"][2]
    assert both["justification"] == "component_not_present" and "impact_statement" not in both
    assert both["status_notes"] == "The shell is not built into release images."


def test_openvex_schema_rejects_what_we_refuse() -> None:
    """The vendored schema is live: an affected statement without action fails it."""
    doc = vex.openvex_document("https://acme.example/vex/x.json", "Acme", all_kinds()[:1], timestamp=NOW)
    del doc["statements"][0]["action_statement"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, load_schema("openvex_json_schema.json"))


def test_cyclonedx_vex_passes_the_strict_validator() -> None:
    text = vex.cyclonedx_vex(
        PRODUCT_A, [OPENSSL], [s for s in all_kinds() if s.product == PRODUCT_A], timestamp=NOW
    )
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    states = {v["affects"][0]["ref"] + ":" + v["analysis"]["state"] for v in doc["vulnerabilities"]}
    assert "pkg:deb/debian/openssl@3.0.11:exploitable" in states
    not_affected = next(v for v in doc["vulnerabilities"] if v["analysis"]["state"] == "not_affected")
    assert not_affected["analysis"]["justification"] == "code_not_present"
    assert "component_not_present" in not_affected["analysis"]["detail"]  # native label kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "not_affected"}, "needs a reason"),
        ({"status": "affected", "action_statement": ""}, "action statement"),
        ({"status": "bogus"}, "unknown status"),
        ({"justification": "because"}, "unknown justification"),
    ],
)
def test_refuses_incomplete_statements(change: dict[str, str], message: str) -> None:
    base = {
        "vulnerability": V1,
        "product": PRODUCT_A,
        "status": "affected",
        "timestamp": NOW,
        "action_statement": "Update.",
    }
    st = vex.Statement(**(base | change))  # type: ignore[arg-type]
    with pytest.raises(vex.VexError, match=message):
        vex.check_statement(st)


def test_served_vex_and_advisories_validate(any_portal: Portal, tmp_path: Path) -> None:
    """The documents the running portal serves, validated the same way."""
    portal = any_portal
    seed_product(portal)
    vuln = {
        "ident": "CVE-2026-40001",
        "title": "RTSP overflow",
        "description": "A long header overflows a buffer.",
    }
    assert portal.post("/api/v1/admin/vulnerabilities", vuln).status_code == 201
    for body in (
        {
            "component": "pkg:deb/debian/openssl@3.0.11",
            "status": "affected",
            "action_statement": "Update to 1.2.1.",
            "remediation": "vendor_fix",
        },
        {
            "component": "pkg:deb/debian/busybox@1.36.1",
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
        },
    ):
        r = portal.post(
            "/api/v1/admin/vex",
            {"vulnerability": "CVE-2026-40001", "product": "cam", "version": "1.2.0", **body},
        )
        assert r.status_code == 201, r.text
    for profile in ("csaf_security_advisory", "csaf_vex"):
        r = portal.post(
            "/api/v1/admin/advisories",
            {
                "title": f"Overflow ({profile})",
                "summary": "An RTSP overflow.",
                "vulnerabilities": ["CVE-2026-40001"],
                "profile": profile,
            },
        )
        assert r.status_code == 201
        assert (
            portal.post(f"/api/v1/admin/advisories/{r.json()['tracking_id']}/publish", {}).status_code == 200
        )

    index = portal.client.get("/.well-known/csaf/white/index.txt").text.split()
    assert len(index) == 2
    files = []
    for i, path in enumerate(index):
        doc = portal.client.get(f"/.well-known/csaf/white/{path}").json()
        files.append(write(tmp_path, f"served-{i}.json", doc))
    csaf_vex = portal.client.get("/products/cam/versions/1.2.0/vex.csaf.json").json()
    assert csaf_vex["document"]["category"] == "csaf_vex"
    files.append(write(tmp_path, "version-vex.json", csaf_vex))
    result = csaf_validate_cli(files)
    assert result.returncode == 0, result.stdout + result.stderr

    openvex = portal.client.get("/products/cam/versions/1.2.0/vex.openvex.json").json()
    jsonschema.validate(openvex, load_schema("openvex_json_schema.json"))
    cdx = portal.client.get("/products/cam/versions/1.2.0/vex.cdx.json").text
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx) is None
    refs = {v["affects"][0]["ref"] for v in json.loads(cdx)["vulnerabilities"]}
    assert refs == {"pkg:deb/debian/openssl@3.0.11", "pkg:deb/debian/busybox@1.36.1"}


def test_statement_for_unknown_component_is_refused(portal: Portal) -> None:
    seed_product(portal)
    portal.post(
        "/api/v1/admin/vulnerabilities",
        {"ident": "CVE-2026-40001", "title": "x" * 5, "description": "y" * 20},
    )
    r = portal.post(
        "/api/v1/admin/vex",
        {
            "vulnerability": "CVE-2026-40001",
            "product": "cam",
            "version": "1.2.0",
            "component": "pkg:npm/left-pad@1.0.0",
            "status": "fixed",
        },
    )
    assert r.status_code == 404
    assert "bom-ref" in r.json()["detail"]
    r = portal.post(
        "/api/v1/admin/vex",
        {"vulnerability": "CVE-2026-40001", "product": "cam", "version": "1.2.0", "status": "not_affected"},
    )
    assert r.status_code == 422
    assert "justification or an impact statement" in r.json()["detail"]

"""The whole post-market path over the JSON API, on SQLite and on a real PostgreSQL.

intake → receipt → triage → confirm → VEX → advisory → fix → publish (case disclosed) → CSAF tree,
and a restart of the app on the same database loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from securable.portal import ManualClock

from .conftest import PRODUCT, Portal, build_portal, seed_product

REPORT = {
    "title": "Heap overflow in RTSP parser",
    "description": "A long Transport header overflows a heap buffer in the RTSP server.",
    "product": "cam",
    "affected_versions": "1.2.0",
    "exploitation": "Send one crafted RTSP SETUP request.",
    "impact": "Remote code execution as root.",
    "reporter_name": "Rita Researcher",
    "reporter_contact": "rita@example.org",
    "wants_credit": True,
}


def run_case_to_disclosure(p: Portal) -> tuple[str, str]:
    seed_product(p)
    r = p.client.post("/api/v1/reports", json=REPORT)
    assert r.status_code == 201, r.text
    receipt = r.json()["receipt"]
    assert r.json()["status"] == "received"
    case_id = p.client.get("/api/v1/admin/cases", headers=p.auth).json()[0]["id"]
    for to in ("triaged", "confirmed"):
        p.clock.advance(timedelta(hours=5))
        assert p.post(f"/api/v1/admin/cases/{case_id}/transition", {"to": to}).status_code == 200
    vuln = {
        "ident": "CVE-2026-40001",
        "title": "RTSP heap overflow",
        "description": "A long Transport header overflows a heap buffer in the RTSP server.",
        "case_receipt": receipt,
    }
    assert p.post("/api/v1/admin/vulnerabilities", vuln).status_code == 201
    statement = {
        "vulnerability": "CVE-2026-40001",
        "product": "cam",
        "version": "1.2.0",
        "component": "pkg:deb/debian/openssl@3.0.11",
        "status": "affected",
        "action_statement": "Update to firmware 1.2.1.",
        "remediation": "vendor_fix",
    }
    assert p.post("/api/v1/admin/vex", statement).status_code == 201
    advisory = {
        "title": "Acme Cam RTSP heap overflow",
        "summary": "A crafted RTSP request can run code on the camera. Update to 1.2.1.",
        "vulnerabilities": ["CVE-2026-40001"],
        "case_receipt": receipt,
    }
    r = p.post("/api/v1/admin/advisories", advisory)
    assert r.status_code == 201, r.text
    tracking = r.json()["tracking_id"]
    assert tracking == "ACME-SA-2026-0001"
    p.clock.advance(timedelta(days=3))
    assert p.post(f"/api/v1/admin/cases/{case_id}/transition", {"to": "fixed"}).status_code == 200
    r = p.post(f"/api/v1/admin/advisories/{tracking}/publish", {"summary": "Initial release"})
    assert r.status_code == 200, r.text
    return receipt, tracking


def test_report_to_published_advisory_and_restart(any_portal: Portal) -> None:
    p = any_portal
    receipt, tracking = run_case_to_disclosure(p)

    status = p.client.get(f"/api/v1/reports/{receipt}").json()
    assert status["status"] == "disclosed"

    index = p.client.get("/.well-known/csaf/white/index.txt").text
    assert index == "2026/acme-sa-2026-0001.json\n"
    doc = p.client.get("/.well-known/csaf/white/2026/acme-sa-2026-0001.json")
    assert doc.status_code == 200
    sha = p.client.get("/.well-known/csaf/white/2026/acme-sa-2026-0001.json.sha256").text
    assert sha.split()[0] == hashlib.sha256(doc.content).hexdigest()
    csaf = doc.json()
    assert csaf["document"]["tracking"]["id"] == tracking
    assert csaf["vulnerabilities"][0]["cve"] == "CVE-2026-40001"
    assert csaf["vulnerabilities"][0]["remediations"][0]["details"] == "Update to firmware 1.2.1."

    # restart: a new app on the same database sees everything, and published bytes are unchanged
    p.app.state.engine.dispose()
    again = build_portal(p.settings, p.clock, admin=False)
    with again.client:
        assert again.client.get(f"/api/v1/reports/{receipt}").json()["status"] == "disclosed"
        assert again.client.get("/.well-known/csaf/white/2026/acme-sa-2026-0001.json").content == doc.content
        assert again.client.get("/products/cam/product.json").json()["product"]["name"] == PRODUCT["name"]
        # the API token issued before the restart still works
        cases = again.client.get("/api/v1/admin/cases", headers=p.auth)
        assert cases.status_code == 200 and cases.json()[0]["status"] == "disclosed"
    again.app.state.engine.dispose()


def test_republishing_adds_a_revision_and_keeps_the_path(portal: Portal) -> None:
    _, tracking = run_case_to_disclosure(portal)
    portal.clock.advance(timedelta(days=2))
    r = portal.post(f"/api/v1/admin/advisories/{tracking}/publish", {"summary": "Add workaround"})
    assert r.status_code == 200
    doc = portal.client.get("/.well-known/csaf/white/2026/acme-sa-2026-0001.json").json()
    tracking_block = doc["document"]["tracking"]
    assert tracking_block["version"] == "2"
    assert [h["number"] for h in tracking_block["revision_history"]] == ["1", "2"]
    assert tracking_block["initial_release_date"] < tracking_block["current_release_date"]
    changes = portal.client.get("/.well-known/csaf/white/changes.csv").text.splitlines()
    assert changes == [
        f'"2026/acme-sa-2026-0001.json","{tracking_block["current_release_date"]}"',
        f'"2026/acme-sa-2026-0001.json","{tracking_block["initial_release_date"]}"',
    ]


def test_vex_statement_history_is_kept(portal: Portal) -> None:
    run_case_to_disclosure(portal)
    portal.clock.advance(timedelta(days=1))
    fixed = {
        "vulnerability": "CVE-2026-40001",
        "product": "cam",
        "version": "1.2.0",
        "component": "pkg:deb/debian/openssl@3.0.11",
        "status": "fixed",
        "action_statement": "Fixed by the 1.2.0-r2 rebuild.",
    }
    assert portal.post("/api/v1/admin/vex", fixed).status_code == 201
    openvex = portal.client.get("/products/cam/versions/1.2.0/vex.openvex.json").json()
    assert [s["status"] for s in openvex["statements"]] == ["fixed"]
    from sqlalchemy import select

    from securable.portal.models import VexStatement

    with portal.app.state.portal.sessions() as db:
        rows = list(db.scalars(select(VexStatement).order_by(VexStatement.id)))
    assert [(r.status, r.superseded_at is not None) for r in rows] == [("affected", True), ("fixed", False)]


def test_query_kind_and_unknown_product(portal: Portal) -> None:
    r = portal.client.post(
        "/api/v1/reports",
        json={"kind": "query", "title": "Is TLS 1.3 used?", "description": "Does the app use TLS 1.3?"},
    )
    assert r.status_code == 201
    r = portal.client.post("/api/v1/reports", json={**REPORT, "product": "no-such"})
    assert r.status_code == 404
    assert "no-such" in r.json()["detail"]


def test_receipts_are_unguessable_and_unknown_receipt_is_404(portal: Portal) -> None:
    seed_product(portal)
    receipts = {portal.client.post("/api/v1/reports", json=REPORT).json()["receipt"] for _ in range(5)}
    assert len(receipts) == 5 and all(len(r) >= 24 for r in receipts)
    assert portal.client.get("/api/v1/reports/VR-doesnotexist").status_code == 404


def test_product_json_holds_registry_annex_ii_and_education(portal: Portal) -> None:
    seed_product(portal)
    record = portal.client.get("/products/cam/product.json").json()
    fcc = record["fcc_cyber_trust_mark"]
    assert fcc["support_end"] == "2031-06-30"
    assert fcc["updates_automatic"] is True
    assert fcc["default_password_change"] == PRODUCT["default_password_change"]
    assert fcc["supported"] is True
    # the ten elements of 47 CFR § 8.222(b), and nothing the rule does not list
    assert fcc["rule"] == "47 CFR § 8.222(b)"
    assert sorted(set(fcc["elements"].values())) == list(range(1, 11))
    assert "manufacturer_contact" not in fcc
    assert set(fcc) == set(fcc["elements"]) | {"rule", "source", "elements"}
    assert fcc["cla"] == {"name": "Example CLA", "contact": ""}
    assert fcc["sbom_hbom"] == {
        "sbom_maintained": False,
        "hbom_maintained": False,
        "sbom_available": False,
        "sbom_url": "",
    }
    annex = record["cra_annex_ii"]
    assert annex["7_support"]["end_month_year"] == "June 2031"
    assert annex["2_vulnerability_contact"]["cvd_policy_url"] == "https://portal.acme.example/policy"
    assert annex["8_instructions"]["e_turning_off_automatic_updates"] == PRODUCT["disable_auto_update"]
    assert [e["requirement"] for e in record["nistir8425_education"]] == [
        "nistir8425:EA-1a",
        "nistir8425:EA-1b",
        "nistir8425:EA-1c",
        "nistir8425:EA-1d",
        "nistir8425:EA-1e",
    ]
    assert record["links"]["qr_svg"] == "https://portal.acme.example/products/cam/qr.svg"
    assert json.loads(json.dumps(record)) == portal.client.get("/api/v1/products/cam").json() | {
        "generated": record["generated"]
    }


def test_product_slug_cannot_change_and_duplicates_conflict(portal: Portal, clock: ManualClock) -> None:
    seed_product(portal)
    assert portal.post("/api/v1/admin/products", PRODUCT).status_code == 409
    r = portal.client.put("/api/v1/admin/products/cam", json={**PRODUCT, "slug": "cam2"}, headers=portal.auth)
    assert r.status_code == 409
    r = portal.client.put(
        "/api/v1/admin/products/cam", json={**PRODUCT, "support_end": "2032-01-31"}, headers=portal.auth
    )
    assert r.status_code == 200
    assert portal.client.get("/products/cam/product.json").json()["product"]["support_end"] == "2032-01-31"

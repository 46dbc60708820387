"""What the reporter sent reaches the PSIRT, credit reaches the advisory, and publication closes the case."""

from __future__ import annotations

from pathlib import Path

from .conftest import Portal, csaf_validate_cli, seed_product
from .test_security import login
from .test_workflow import REPORT

VULN = {
    "ident": "CVE-2026-40001",
    "title": "RTSP heap overflow",
    "description": "A long Transport header overflows a heap buffer in the RTSP server.",
}
FIX = {
    "vulnerability": "CVE-2026-40001",
    "product": "cam",
    "version": "1.2.0",
    "status": "affected",
    "action_statement": "Update to firmware 1.2.1.",
    "remediation": "vendor_fix",
}


def _confirmed_case(p: Portal, **report: object) -> tuple[int, str]:
    seed_product(p)
    receipt = p.client.post("/api/v1/reports", json={**REPORT, **report}).json()["receipt"]
    case_id = p.client.get("/api/v1/admin/cases", headers=p.auth).json()[0]["id"]
    for to in ("triaged", "confirmed"):
        assert p.post(f"/api/v1/admin/cases/{case_id}/transition", {"to": to}).status_code == 200
    return case_id, receipt


def _advisory(p: Portal, receipt: str, statement: dict[str, str]) -> str:
    assert p.post("/api/v1/admin/vulnerabilities", {**VULN, "case_receipt": receipt}).status_code == 201
    assert p.post("/api/v1/admin/vex", statement).status_code == 201
    body = {
        "title": "Acme Cam RTSP heap overflow",
        "summary": "A crafted RTSP request can run code on the camera.",
        "vulnerabilities": [VULN["ident"]],
        "case_receipt": receipt,
    }
    r = p.post("/api/v1/admin/advisories", body)
    assert r.status_code == 201, r.text
    tracking: str = r.json()["tracking_id"]
    return tracking


def test_case_page_shows_everything_the_reporter_sent(portal: Portal) -> None:
    seed_product(portal)
    portal.client.post("/api/v1/reports", json={**REPORT, "suggested_mitigation": "Cap the header length."})
    login(portal)
    page = portal.client.get("/admin/cases/1").text
    for text in (
        "Rita Researcher",
        "rita@example.org",
        "Remote code execution as root.",
        "Send one crafted RTSP SETUP request.",
        "Cap the header length.",
        "wants to be credited",
    ):
        assert text in page, text
    case = portal.client.get("/api/v1/admin/cases/1", headers=portal.auth).json()
    assert case["impact"] == REPORT["impact"] and case["exploitation"] == REPORT["exploitation"]


def test_credit_request_becomes_csaf_acknowledgments(portal: Portal, tmp_path: Path) -> None:
    _, receipt = _confirmed_case(portal)
    tracking = _advisory(portal, receipt, FIX)
    assert portal.post(f"/api/v1/admin/advisories/{tracking}/publish", {}).status_code == 200
    doc = portal.client.get("/.well-known/csaf/white/2026/acme-sa-2026-0001.json")
    acks = doc.json()["document"]["acknowledgments"]
    assert acks == [{"names": ["Rita Researcher"], "summary": "for reporting the vulnerability"}]
    path = tmp_path / "acme-sa-2026-0001.json"
    path.write_bytes(doc.content)
    result = csaf_validate_cli([path])
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_credit_without_the_request(portal: Portal) -> None:
    _, receipt = _confirmed_case(portal, wants_credit=False)
    tracking = _advisory(portal, receipt, FIX)
    preview = portal.client.get(f"/api/v1/admin/advisories/{tracking}/preview", headers=portal.auth).json()
    assert "acknowledgments" not in preview["document"]


def test_publishing_moves_a_confirmed_case_on(portal: Portal) -> None:
    case_id, receipt = _confirmed_case(portal)
    tracking = _advisory(portal, receipt, FIX)
    assert portal.post(f"/api/v1/admin/advisories/{tracking}/publish", {}).status_code == 200
    case = portal.client.get(f"/api/v1/admin/cases/{case_id}", headers=portal.auth).json()
    assert case["status"] == "disclosed"
    assert [e["action"] for e in case["events"]][-2:] == ["confirmed->fixed", "fixed->disclosed"]
    assert portal.client.get(f"/api/v1/reports/{receipt}").json()["status"] == "disclosed"


def test_an_advisory_without_a_fix_discloses_the_case_without_marking_it_fixed(portal: Portal) -> None:
    case_id, receipt = _confirmed_case(portal)
    workaround = {**FIX, "remediation": "workaround", "action_statement": "Block RTSP at the router."}
    tracking = _advisory(portal, receipt, workaround)
    assert portal.post(f"/api/v1/admin/advisories/{tracking}/publish", {}).status_code == 200
    case = portal.client.get(f"/api/v1/admin/cases/{case_id}", headers=portal.auth).json()
    assert case["status"] == "disclosed"
    assert [e["action"] for e in case["events"]][-1] == "confirmed->disclosed"


def test_a_draft_advisory_can_be_edited(portal: Portal) -> None:
    _, receipt = _confirmed_case(portal)
    tracking = _advisory(portal, receipt, FIX)
    second = {**VULN, "ident": "ACME-2026-7", "title": "Second flaw"}
    assert portal.post("/api/v1/admin/vulnerabilities", second).status_code == 201
    assert portal.post("/api/v1/admin/vex", {**FIX, "vulnerability": "ACME-2026-7"}).status_code == 201
    edit = {
        "title": "Acme Cam RTSP flaws",
        "summary": "Two flaws in the RTSP server; update to 1.2.1.",
        "vulnerabilities": ["CVE-2026-40001", "ACME-2026-7"],
    }
    r = portal.client.put(f"/api/v1/admin/advisories/{tracking}", json=edit, headers=portal.auth)
    assert r.status_code == 200 and r.json()["vulnerabilities"] == ["CVE-2026-40001", "ACME-2026-7"]
    preview = portal.client.get(f"/api/v1/admin/advisories/{tracking}/preview", headers=portal.auth).json()
    assert preview["document"]["title"] == "Acme Cam RTSP flaws" and len(preview["vulnerabilities"]) == 2
    # the same through the admin page's form
    csrf = login(portal)
    r = portal.client.post(
        f"/admin/advisories/{tracking}/edit",
        data={**edit, "vulnerabilities": "CVE-2026-40001", "title": "Only the overflow", "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "error" not in r.headers["location"]
    page = portal.client.get(f"/admin/advisories/{tracking}").text
    assert "Only the overflow" in page and "Rita Researcher" in page
    r = portal.client.put(
        f"/api/v1/admin/advisories/{tracking}",
        json={**edit, "vulnerabilities": ["NOPE-1"]},
        headers=portal.auth,
    )
    assert r.status_code == 404

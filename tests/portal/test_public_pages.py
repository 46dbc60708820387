"""Pages for people: readable advisories, HTML errors, honest transport claims, paged cases, private files."""

from __future__ import annotations

import stat
from pathlib import Path

from securable.portal import ManualClock

from .conftest import Portal, build_portal, settings_for
from .test_case_details import FIX, _advisory, _confirmed_case
from .test_security import login

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_published_advisory_has_a_page_for_people(portal: Portal) -> None:
    _, receipt = _confirmed_case(portal)
    tracking = _advisory(portal, receipt, FIX)
    assert portal.post(f"/api/v1/admin/advisories/{tracking}/publish", {}).status_code == 200
    listing = portal.client.get("/advisories").text
    assert f'href="/advisories/{tracking}"' in listing
    page = portal.client.get(f"/advisories/{tracking}", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for text in (
        "Acme Cam RTSP heap overflow",
        "CVE-2026-40001",
        "Update to firmware 1.2.1.",
        "Acme Cam 1.2.0",
        "known affected",
        "Rita Researcher",
        "Initial release",
    ):
        assert text in page.text, text
    json_url = "https://portal.acme.example/.well-known/csaf/white/2026/acme-sa-2026-0001.json"
    assert f'href="{json_url}"' in page.text  # the JSON stays at its canonical URL
    assert portal.client.get("/.well-known/csaf/white/2026/acme-sa-2026-0001.json").json()["document"]
    assert portal.client.get("/advisories/ACME-SA-2026-0099", headers=BROWSER).status_code == 404


def test_browsers_get_html_errors_without_regexes(portal: Portal) -> None:
    for path, code in (("/no-such-page", 404), ("/products/NOT_A_SLUG!", 422), ("/admin/cases/0", 422)):
        r = portal.client.get(path, headers=BROWSER)
        assert r.status_code == code, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "^[" not in r.text and "pattern" not in r.text
    # API clients still get JSON, and no raw regex either
    r = portal.client.get("/products/NOT_A_SLUG!/product.json")
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"
    assert "^[" not in r.text
    assert portal.client.get("/api/v1/nothing", headers=BROWSER).headers["content-type"] == "application/json"


def test_policy_says_https_only_when_it_is(tmp_path: Path, clock: ManualClock) -> None:
    https = build_portal(settings_for(tmp_path / "a"), clock, admin=False)
    assert "sent over HTTPS" in https.client.get("/policy").text
    https.app.state.engine.dispose()
    settings = settings_for(tmp_path / "b")
    plain = build_portal(
        type(settings)(**{**settings.__dict__, "public_url": "http://127.0.0.1:8080"}), clock, admin=False
    )
    page = plain.client.get("/policy").text
    assert "HTTPS" not in page and "plain HTTP" in page
    assert "Contact: http://127.0.0.1:8080/report" in plain.client.get("/.well-known/security.txt").text
    plain.app.state.engine.dispose()


def test_sqlite_database_is_private(tmp_path: Path, clock: ManualClock) -> None:
    p = build_portal(settings_for(tmp_path / "data"), clock)
    p.client.post(
        "/api/v1/reports", json={"title": "Open telnet", "description": "Telnet is open on port 23."}
    )
    files = [f for f in (tmp_path / "data").iterdir() if f.name.startswith("portal.sqlite3")]
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), [
        (f.name, oct(f.stat().st_mode)) for f in files
    ]
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    p.app.state.engine.dispose()


def test_openapi_is_for_admins_only(portal: Portal) -> None:
    assert portal.client.get("/openapi.json").status_code == 401
    assert "/api/v1/admin/cases" in portal.client.get("/openapi.json", headers=portal.auth).json()["paths"]


def test_case_list_pages_and_filters(portal: Portal) -> None:
    for n in range(60):
        body = {"title": f"Finding {n:02d}", "description": f"Description of finding number {n}."}
        assert portal.client.post("/api/v1/reports", json=body).status_code == 201
    assert portal.post("/api/v1/admin/cases/3/transition", {"to": "triaged"}).status_code == 200
    r = portal.client.get("/api/v1/admin/cases", headers=portal.auth)
    assert len(r.json()) == 50 and r.headers["x-total-count"] == "60" and 'rel="next"' in r.headers["link"]
    r = portal.client.get("/api/v1/admin/cases", params={"page": 2}, headers=portal.auth)
    assert [c["title"] for c in r.json()][-1] == "Finding 00" and "link" not in r.headers
    r = portal.client.get("/api/v1/admin/cases", params={"status": "triaged"}, headers=portal.auth)
    assert [c["id"] for c in r.json()] == [3]
    r = portal.client.get("/api/v1/admin/cases", params={"q": "finding 4"}, headers=portal.auth)
    assert r.headers["x-total-count"] == "10"  # Finding 40-49
    login(portal)
    page = portal.client.get("/admin").text
    assert "60 cases, page 1 of 2" in page and 'id="next-page"' in page and "Finding 59" in page
    page = portal.client.get("/admin", params={"page": 2}).text
    assert "Finding 00" in page and "Finding 59" not in page
    page = portal.client.get("/admin", params={"status": "triaged"}).text
    assert "1 case" in page and "Finding 02" in page


def test_long_descriptions_wrap() -> None:
    css = (Path(__file__).resolve().parents[2] / "src/securable/portal/static/portal.css").read_text()
    assert "white-space:pre-wrap" in css and "overflow-wrap:anywhere" in css


def test_product_page_shows_the_fcc_registry_elements_of_8_222_b(portal: Portal, clock: ManualClock) -> None:
    from datetime import timedelta

    from .conftest import PRODUCT, seed_product

    seed_product(portal)
    changed = {**PRODUCT, "maintains_sbom": True, "maintains_hbom": True, "support_end": "2026-12-31"}
    put = portal.client.put("/api/v1/admin/products/cam", json=changed, headers=portal.auth)
    assert put.status_code == 200
    page = portal.client.get("/products/cam", headers=BROWSER).text
    assert "47 CFR § 8.222(b)" in page and "8.209" not in page
    assert "Manufacturer contact" not in page
    assert "hbom maintained: yes" in page and "sbom maintained: yes" in page
    fcc = portal.client.get("/products/cam/product.json").json()["fcc_cyber_trust_mark"]
    assert fcc["supported"] is True and fcc["sbom_hbom"]["hbom_maintained"] is True
    clock.advance(timedelta(days=40))  # past the support end: the registry says it is not supported
    fcc = portal.client.get("/products/cam/product.json").json()["fcc_cyber_trust_mark"]
    assert fcc["supported"] is False and fcc["support_end"] == "2026-12-31"

"""Admin routes refuse anonymous users; CSRF, sessions, rate limits, headers and argon2id hold."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from securable.errors import UsageError
from securable.portal import ManualClock, RateLimits, security
from securable.portal.models import Admin, AdminSession

from .conftest import PASSWORD, Portal, build_portal, seed_product, settings_for

HIDDEN_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def admin_operations(portal: Portal) -> list[tuple[str, str]]:
    spec = portal.client.get("/openapi.json", headers=portal.auth).json()
    ops = [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if path.startswith("/api/v1/admin")
    ]
    assert len(ops) >= 15
    return ops


def concrete(path: str) -> str:
    return (
        path.replace("{case_id}", "1")
        .replace("{slug}", "cam")
        .replace("{version}", "1.2.0")
        .replace("{tracking_id}", "ACME-SA-2026-0001")
        .replace("{stage}", "early_warning")
    )


def test_every_admin_api_route_refuses_anonymous_and_bad_tokens(portal: Portal) -> None:
    seed_product(portal)
    for method, path in admin_operations(portal):
        for headers in ({}, {"Authorization": "Bearer sec_wrong"}, {"Authorization": "Basic YWxpY2U6eA=="}):
            r = portal.client.request(method, concrete(path), json={}, headers=headers)
            assert r.status_code == 401, (method, path, headers, r.status_code)


@pytest.mark.parametrize("path", ["/admin", "/admin/cases/1", "/admin/advisories/ACME-SA-2026-0001"])
def test_admin_pages_redirect_anonymous_to_login(portal: Portal, path: str) -> None:
    r = portal.client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/login"


def test_admin_form_posts_refuse_anonymous(portal: Portal) -> None:
    for path in ("/admin/cases/1/transition", "/admin/cases/1/exploited", "/admin/advisories/X/publish"):
        r = portal.client.post(path, data={"to": "triaged"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"


def login(portal: Portal) -> str:
    page = portal.client.get("/admin/login")
    token = HIDDEN_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = portal.client.post(
        "/admin/login",
        data={"csrf": token, "username": "alice", "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    admin = portal.client.get("/admin")
    assert admin.status_code == 200
    return HIDDEN_CSRF.search(admin.text).group(1)  # type: ignore[union-attr]


def test_login_session_and_csrf_on_admin_forms(portal: Portal) -> None:
    seed_product(portal)
    portal.client.post(
        "/api/v1/reports", json={"title": "Open telnet", "description": "Telnet is open on port 23."}
    )
    csrf = login(portal)
    cookie = portal.client.cookies.get(security.SESSION_COOKIE)
    assert cookie
    # the database stores only the hash of the session cookie
    with portal.app.state.portal.sessions() as db:
        stored = db.scalar(select(AdminSession.token_hash))
    assert stored == security.token_hash(cookie) and stored != cookie

    r = portal.client.post(
        "/admin/cases/1/transition", data={"to": "triaged", "csrf": "forged"}, follow_redirects=False
    )
    assert "expired" in r.headers["location"].lower()
    assert portal.client.get("/api/v1/admin/cases/1", headers=portal.auth).json()["status"] == "received"
    r = portal.client.post(
        "/admin/cases/1/transition", data={"to": "triaged", "csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert portal.client.get("/api/v1/admin/cases/1", headers=portal.auth).json()["status"] == "triaged"

    # the JSON API with the session cookie needs the CSRF header for writes
    r = portal.client.post("/api/v1/admin/cases/1/transition", json={"to": "confirmed"})
    assert r.status_code == 403
    r = portal.client.post(
        "/api/v1/admin/cases/1/transition", json={"to": "confirmed"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200

    # logout ends the session server-side
    portal.client.post("/admin/logout", data={"csrf": csrf}, follow_redirects=False)
    portal.client.cookies.set(security.SESSION_COOKIE, cookie)
    assert portal.client.get("/admin", follow_redirects=False).status_code == 303


def test_wrong_password_and_session_expiry(portal: Portal, clock: ManualClock) -> None:
    page = portal.client.get("/admin/login")
    token = HIDDEN_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = portal.client.post("/admin/login", data={"csrf": token, "username": "alice", "password": "wrong" * 3})
    assert r.status_code == 401
    r = portal.client.post("/admin/login", data={"csrf": token, "username": "mallory", "password": "x" * 12})
    assert r.status_code == 401
    login(portal)
    clock.advance(timedelta(hours=portal.settings.session_hours, seconds=1))
    assert portal.client.get("/admin", follow_redirects=False).status_code == 303


def test_public_form_needs_its_csrf_cookie(portal: Portal) -> None:
    form = {"title": "Open telnet", "description": "Telnet is open on port 23.", "kind": "vulnerability"}
    r = portal.client.post("/report", data={**form, "csrf": "made-up"})
    assert r.status_code == 403
    page = portal.client.get("/report")
    token = HIDDEN_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = portal.client.post("/report", data={**form, "csrf": token})
    assert r.status_code == 201
    assert "VR-" in r.text


def test_passwords_are_argon2id(portal: Portal) -> None:
    with portal.app.state.portal.sessions() as db:
        stored = db.scalar(select(Admin.password_hash).where(Admin.username == "alice"))
        assert stored is not None and stored.startswith("$argon2id$")
        with pytest.raises(UsageError, match="too short"):
            security.create_admin(db, "bob", "short", portal.clock())
        with pytest.raises(UsageError, match="exists already"):
            security.create_admin(db, "alice", PASSWORD, portal.clock())
        with pytest.raises(UsageError, match="not allowed"):
            security.create_admin(db, "<script>", PASSWORD, portal.clock())


def test_rate_limits_on_public_endpoints(tmp_path: Path, clock: ManualClock) -> None:
    limits = RateLimits(report_submit=3, status_lookup=5, login=2, public_read=4)
    p = build_portal(settings_for(tmp_path, limits=limits), clock)
    body = {"title": "Open telnet", "description": "Telnet is open on port 23."}
    with p.client:
        codes = [p.client.post("/api/v1/reports", json=body).status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        r = p.client.post("/api/v1/reports", json=body)
        assert int(r.headers["Retry-After"]) >= 1
        reads = [p.client.get("/.well-known/security.txt").status_code for _ in range(5)]
        assert reads == [200, 200, 200, 200, 429]
        lookups = [p.client.get("/api/v1/reports/VR-nope").status_code for _ in range(6)]
        assert lookups == [404] * 5 + [429]
    p.app.state.engine.dispose()


def test_security_headers_everywhere(portal: Portal) -> None:
    for path in ("/", "/report", "/api/v1/products", "/no-such-page", "/admin/login"):
        r = portal.client.get(path)
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["strict-transport-security"].startswith("max-age=")  # public URL is https
    assert portal.client.get("/admin/login").headers["cache-control"] == "no-store"


def test_markup_in_reports_is_escaped(portal: Portal) -> None:
    payload = "<script>alert(1)</script>"
    r = portal.client.post(
        "/api/v1/reports", json={"title": payload, "description": payload + " in description"}
    )
    assert r.status_code == 201
    login(portal)
    page = portal.client.get("/admin/cases/1").text
    assert payload not in page and "&lt;script&gt;" in page


def test_oversized_bodies_are_refused(portal: Portal) -> None:
    big = "x" * (portal.settings.max_body_bytes + 1)
    r = portal.client.post("/api/v1/reports", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_unknown_product_page_is_a_clean_404(portal: Portal) -> None:
    r = portal.client.get("/products/nope")
    assert r.status_code == 404 and "product &#39;nope&#39; not found" in r.text
    assert portal.client.get("/products/nope/product.json").json() == {
        "detail": "product 'nope' not found — check the product slug on /products"
    }
    r = portal.client.get("/status", params={"receipt": "../admin"}, follow_redirects=False)
    assert r.headers["location"] == "/status/..%2Fadmin"


def test_admin_product_pages(portal: Portal) -> None:
    assert portal.client.get("/admin/products", follow_redirects=False).headers["location"] == "/admin/login"
    csrf = login(portal)
    form = {
        "csrf": csrf,
        "slug": "plug",
        "name": "Acme Plug",
        "manufacturer_name": "Acme Devices",
        "manufacturer_email": "support@acme.example",
        "support_end": "2030-12-31",
        "updates_automatic": "1",
        "default_password_change": "No default password; set one during pairing.",
    }
    r = portal.client.post("/admin/products", data={**form, "csrf": "forged"}, follow_redirects=False)
    assert portal.client.get("/products/plug").status_code == 404
    r = portal.client.post("/admin/products", data={**form, "support_end": "someday"})
    assert r.status_code == 422 and "support_end" in r.text
    r = portal.client.post("/admin/products", data=form, follow_redirects=False)
    assert r.headers["location"] == "/admin/products/plug"
    r = portal.client.post(
        "/admin/products/plug/versions",
        data={"csrf": csrf, "version": "2.0.0", "components": "zlib 1.3 pkg:generic/zlib@1.3\nmbedtls 3.6.0"},
        follow_redirects=False,
    )
    assert "error" not in r.headers["location"]
    r = portal.client.post(
        "/admin/products/plug/versions/2.0.0/generate-sbom", data={"csrf": csrf}, follow_redirects=False
    )
    assert "error" not in r.headers["location"]
    sbom = portal.client.get("/products/plug/versions/2.0.0/sbom.cdx.json").json()
    assert {c["name"] for c in sbom["components"]} == {"zlib", "mbedtls"}
    r = portal.client.post(
        "/admin/products/plug/versions/2.0.0/sbom",
        data={"csrf": csrf},
        files={"file": ("bom.json", b'{"bomFormat": "SPDX"}', "application/json")},
        follow_redirects=False,
    )
    assert "not%20a%20CycloneDX" in r.headers["location"]
    r = portal.client.post(
        "/admin/products/plug", data={**form, "support_end": "2032-03-31"}, follow_redirects=False
    )
    assert "error" not in r.headers["location"]
    page = portal.client.get("/products/plug").text
    assert "March 2032" in page and "No default password" in page

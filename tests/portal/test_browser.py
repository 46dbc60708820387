"""Browser tests in Debian's chromium (Playwright) against a real uvicorn server on 127.0.0.1.

A reporter files a report (CSRF-protected form) and follows its status; an admin logs in, triages and
confirms it, writes an advisory, publishes it; the reporter sees it disclosed; the product page shows the
support end and a QR code that actually renders.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from securable.portal import ManualClock, PortalSettings, RateLimits, create_app

from .conftest import PASSWORD, PRODUCT, START, free_port

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A portal served by uvicorn on a free loopback port; yields (base URL, admin API token)."""
    import uvicorn
    from sqlalchemy import select

    from securable.portal import security
    from securable.portal.models import Admin

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = PortalSettings(
        data_dir=Path(tmp_path_factory.mktemp("live")),
        public_url=base,
        publisher_name="Acme Devices",
        publisher_contact="psirt@acme.example",
        tracking_prefix="ACME-SA",
        rate_limits=RateLimits(report_submit=100, status_lookup=100, login=100, public_read=10000),
    )
    clock = ManualClock(START)
    app = create_app(settings, clock=clock)
    with app.state.portal.sessions() as db:
        admin = security.create_admin(db, "alice", PASSWORD, clock())
        token = security.create_api_token(db, admin, "browser-test", clock())
        db.commit()
        assert db.scalar(select(Admin.username)) == "alice"
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers) as http:
        assert http.post("/api/v1/admin/products", json=PRODUCT).status_code == 201
        body = {
            "version": "1.2.0",
            "components": [{"name": "openssl", "version": "3.0.11", "purl": "pkg:deb/debian/openssl@3.0.11"}],
        }
        assert http.post("/api/v1/admin/products/cam/versions", json=body).status_code == 201
        assert http.post("/api/v1/admin/products/cam/versions/1.2.0/sbom/generate").status_code == 200
    try:
        yield base, token
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield b
        finally:
            b.close()


def test_report_triage_advisory_publish_and_product_page(live: tuple[str, str], browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    base, _ = live

    # --- a reporter files a report and sees its receipt and status
    reporter = browser.new_context(base_url=base)
    page = reporter.new_page()
    page.goto("/report")
    page.select_option("#product", "cam")
    page.fill("#affected_versions", "1.2.0")
    page.fill("#title", "Unauthenticated RTSP stream")
    page.fill("#description", "The RTSP stream on port 554 plays without any credentials.")
    page.fill("#reporter_contact", "rita@example.org")
    page.click("#submit")
    receipt = page.locator("#receipt").inner_text()
    assert receipt.startswith("VR-")
    expect(page.locator("#status")).to_have_text("received")
    page.click("#status-link")
    expect(page.locator("#status")).to_have_text("received")

    # --- an admin logs in, triages, confirms, writes the advisory, marks fixed, publishes
    admin = browser.new_context(base_url=base)
    ap = admin.new_page()
    ap.goto("/admin")
    assert ap.url.endswith("/admin/login")
    ap.fill("#username", "alice")
    ap.fill("#password", PASSWORD)
    ap.click("#login")
    ap.click("text=Unauthenticated RTSP stream")
    for state in ("triaged", "confirmed"):
        ap.select_option("#to", state)
        ap.click("#move")
        expect(ap.locator("#case-status")).to_have_text(state)
    case_url = ap.url
    ap.fill("#ident", "CVE-2026-41000")
    ap.fill("#description", "The RTSP server accepts unauthenticated clients.")
    ap.select_option("#product_version", "cam@1.2.0")
    ap.select_option("#status", "affected")
    ap.select_option("#remediation", "vendor_fix")
    ap.fill("#action_statement", "Update to firmware 1.2.1, which requires a password for RTSP.")
    ap.fill("#advisory_title", "Acme Cam: RTSP stream without authentication")
    ap.fill("#summary", "The camera's RTSP stream could be watched without a password.")
    ap.click("#write-advisory")
    expect(ap.locator("#advisory-status")).to_have_text("draft")
    expect(ap.locator("#preview")).to_contain_text("CVE-2026-41000")
    advisory_url = ap.url
    ap.goto(case_url)
    ap.select_option("#to", "fixed")
    ap.click("#move")
    expect(ap.locator("#case-status")).to_have_text("fixed")
    ap.goto(advisory_url)
    ap.click("#publish")
    expect(ap.locator("#advisory-status")).to_have_text("published")

    # --- the reporter sees the case disclosed; the advisory is in the public list and CSAF index
    page.goto(f"/status/{receipt}")
    expect(page.locator("#status")).to_have_text("disclosed")
    page.goto("/advisories")
    expect(page.locator("text=ACME-SA-2026-0001")).to_be_visible()
    index = httpx.get(f"{base}/.well-known/csaf/white/index.txt").text
    assert index == "2026/acme-sa-2026-0001.json\n"

    # --- the product page shows the support end and a QR code that renders
    page.goto("/products/cam")
    expect(page.locator("#support-end")).to_contain_text("June 2031")
    qr = page.locator("#qr")
    expect(qr).to_be_visible()
    width = page.evaluate("document.getElementById('qr').naturalWidth")
    assert width > 100
    assert "/products/cam/versions/1.2.0/sbom.cdx.json" in page.content()
    reporter.close()
    admin.close()


def test_forged_cross_site_form_is_refused(live: tuple[str, str], browser: object) -> None:
    """A form posted without the site's CSRF cookie/field pair gets 403, even from a real browser."""
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    base, _ = live
    ctx = browser.new_context(base_url=base)
    page = ctx.new_page()
    response = page.request.post(
        f"{base}/report",
        form={"title": "Forged", "description": "Submitted without the CSRF token.", "csrf": "x"},
    )
    assert response.status == 403
    ctx.close()

"""Reviews in Debian's chromium (Playwright) against a real uvicorn server on 127.0.0.1.

A reviewer logs in, is refused an upload that is not a securable report, uploads a real one, reads an
open item's quotes, decides items (a pass with evidence, an expiring risk acceptance on a fail),
sees the history, and downloads ``decisions.yaml``, which an assessment then takes. A reviewer of
another product gets 403 for the same review in the page and through the form, and a form without
the session's CSRF token records nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from securable.assess.decisions import apply_decisions, load_decisions
from securable.assess.model import Verdict
from securable.portal import ManualClock, PortalSettings, RateLimits, create_app, security, services

from .conftest import PASSWORD, PRODUCT, START, free_port
from .review_case import review_case
from .test_browser import browser  # noqa: F401  (the module-scoped chromium fixture)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A portal on a free loopback port with products cam and hub, reviewers rita (cam) and otto (hub)."""
    import uvicorn

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = PortalSettings(
        data_dir=Path(tmp_path_factory.mktemp("review-live")),
        public_url=base,
        publisher_name="Acme Devices",
        rate_limits=RateLimits(report_submit=100, status_lookup=100, login=100, public_read=10000),
    )
    clock = ManualClock(START)
    app = create_app(settings, clock=clock)
    with app.state.portal.sessions() as db:
        admin = security.create_admin(db, "alice", PASSWORD, clock())
        token = security.create_api_token(db, admin, "browser-test", clock())
        db.commit()
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
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        for product in (PRODUCT, {**PRODUCT, "slug": "hub", "name": "Acme Hub"}):
            assert http.post("/api/v1/admin/products", json=product).status_code == 201
    with app.state.portal.sessions() as db:
        for name, slug in (("rita", "cam"), ("otto", "hub")):
            security.create_admin(db, name, PASSWORD, clock(), role="reviewer")
            services.grant_review(db, name, slug)
        db.commit()
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def _login(chromium: object, base: str, name: str) -> object:
    from playwright.sync_api import Browser

    assert isinstance(chromium, Browser)
    context = chromium.new_context(base_url=base, accept_downloads=True)
    page = context.new_page()
    page.goto("/review")
    assert page.url.endswith("/admin/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#login")
    assert page.url.endswith("/review")
    return page


def test_reviewer_takes_an_assessment_to_decisions_yaml_in_the_browser(
    live: str,
    browser: object,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Page, expect

    case = review_case()
    (tmp_path / "report.json").write_bytes(case.report)
    (tmp_path / "product.yaml").write_bytes(case.declaration)
    (tmp_path / "sbom.json").write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}')

    page = _login(browser, live, "rita")
    assert isinstance(page, Page)
    expect(page.locator("#who")).to_have_text("rita")
    expect(page.locator("#product-hub")).to_have_count(0)  # only the products rita reviews

    # --- a file that is not a securable report: a clear error, nothing stored
    page.fill("#label-cam", "wrong file")
    page.set_input_files("#report-cam", str(tmp_path / "sbom.json"))
    page.set_input_files("#declaration-cam", str(tmp_path / "product.yaml"))
    page.click("#upload-cam")
    expect(page.locator("#error")).to_contain_text("the uploaded report is not a securable report")
    expect(page.locator("#product-cam")).to_contain_text("No assessment uploaded yet.")

    # --- the real report and declaration
    page.fill("#label-cam", "2.4.0 lab run")
    page.set_input_files("#report-cam", str(tmp_path / "report.json"))
    page.set_input_files("#declaration-cam", str(tmp_path / "product.yaml"))
    page.click("#upload-cam")
    expect(page.locator("h1")).to_contain_text("2.4.0 lab run")
    review_url = page.url
    total = page.locator("section.item").count()
    assert total > 10
    expect(page.locator("#open-count")).to_contain_text(f"{total} of {total}")

    # an open item shows the documents' quotes and what the reviewer must judge
    ea1a = page.locator("#item-nistir8425-EA-1a")
    expect(ea1a.locator("blockquote.quote").first).to_contain_text("password")
    expect(ea1a).to_contain_text("A reviewer judges:")
    ea1a.locator("select[name=decision]").select_option("pass")
    ea1a.locator("textarea[name=rationale]").fill("Every capability in the manual exists and is explained.")
    ea1a.locator("textarea[name=evidence]").fill("https://thermostat.example/st-100/security-guide")
    ea1a.locator("button[type=submit]").click()
    expect(page.locator("#item-nistir8425-EA-1a .history")).to_contain_text("rita: pass")
    expect(page.locator("#open-count")).to_contain_text(f"{total - 1} of {total}")

    # a fail offers only a risk acceptance (or confirming it); without an expiry it is refused
    fail = page.locator("#item-nistir8425-ID-1b")
    expect(fail.locator("select[name=decision] option")).to_have_count(2)
    fail.locator("select[name=decision]").select_option("accepted_risk")
    fail.locator("textarea[name=rationale]").fill("The manual's next print run carries the declared date.")
    fail.locator("button[type=submit]").click()
    expect(page.locator("#error")).to_contain_text("needs an expiry date")
    fail = page.locator("#item-nistir8425-ID-1b")
    fail.locator("select[name=decision]").select_option("accepted_risk")
    fail.locator("input[name=expires]").fill("2027-03-31")
    fail.locator("textarea[name=rationale]").fill("The manual's next print run carries the declared date.")
    fail.locator("button[type=submit]").click()
    expect(page.locator("#item-nistir8425-ID-1b h2")).to_contain_text("accepted_risk until 2027-03-31")

    # --- a form without the session's CSRF token records nothing
    forged = page.request.post(
        review_url + "/decisions",
        form={"csrf": "forged", "requirement": "nistir8425:DP-2", "decision": "pass", "rationale": "forged"},
        max_redirects=0,
    )
    assert forged.status == 303 and "Form%20expired" in forged.headers["location"]
    page.reload()
    expect(page.locator("#item-nistir8425-DP-2 .history")).to_contain_text("No decision yet.")

    # --- the export is decisions.yaml as `securable assess --decisions` reads it, and it applies
    with page.expect_download() as download:
        page.click("#export")
    target = tmp_path / "decisions.yaml"
    download.value.save_as(target)
    folded = apply_decisions(case.assessment, load_decisions(target))
    verdicts = {r.id: r.verdict for r in folded.requirements}
    assert verdicts["nistir8425:EA-1a"] is Verdict.PASS
    assert folded.accepted_risks == {"nistir8425:ID-1b": "2027-03-31"}
    assert {d.status for d in folded.decisions} == {"applied", "accepted"}

    # --- otto reviews hub, not cam: 403 on the page and on the form with his own session token
    other = _login(browser, live, "otto")
    assert isinstance(other, Page)
    response = other.goto(review_url)
    assert response is not None and response.status == 403
    expect(other.locator("main")).to_contain_text("not a reviewer of product 'cam'")
    other.goto("/review")
    token = other.locator("input[name=csrf]").first.get_attribute("value")
    assert token
    refused = other.request.post(
        review_url + "/decisions",
        form={"csrf": token, "requirement": "nistir8425:DP-2", "decision": "pass", "rationale": "not mine"},
        max_redirects=0,
    )
    assert refused.status == 403
    admin = other.goto("/admin")
    assert admin is not None and admin.status == 403
    expect(other.locator("main")).to_contain_text("Reviewers cannot open the admin pages")
    page.reload()
    expect(page.locator("#item-nistir8425-DP-2 .history")).to_contain_text("No decision yet.")
    page.context.close()
    other.context.close()

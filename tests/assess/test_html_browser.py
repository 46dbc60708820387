"""report.html in Debian's chromium (Playwright): renders, no console errors, no script ran."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from securable.assess.assessment import Assessment
from securable.assess.reports import html
from tests.assess.test_reports import assessment  # noqa: F401 - the shared module fixture

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.integration
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
def test_report_renders_in_chromium_without_errors(assessment: Assessment, tmp_path: Path) -> None:  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "report.html"
    page_file.write_bytes(html.render(assessment))
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
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
            page = browser.new_page()
            page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}"))
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

            def on_dialog(dialog: object) -> None:
                problems.append(f"dialog: {getattr(dialog, 'message', '')}")
                dialog.dismiss()  # type: ignore[attr-defined]

            page.on("dialog", on_dialog)
            page.on(
                "request",
                lambda req: (
                    problems.append(f"request: {req.url}") if not req.url.startswith("file:") else None
                ),
            )
            page.goto(page_file.as_uri())
            assert page.title().startswith("securable assessment")
            outcome = page.locator("#outcome")
            assert "requirement(s) failed —" in outcome.inner_text()
            assert "need a person's review" in outcome.inner_text()
            assert "fail" in (outcome.get_attribute("class") or "")
            assert page.locator("script, iframe, img").count() == 0
            assert page.locator("#requirements tbody tr").count() == len(assessment.requirements)
            page.locator("details").first.click()
            shot = page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            assert len(shot) > 10_000
        finally:
            browser.close()
    assert problems == []

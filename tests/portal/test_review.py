"""Reviews in the portal through the API and the pages: upload, open items with evidence, decisions,
history, the ``decisions.yaml`` export fed back into an assessment, scope per product, CSRF."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from securable.assess.decisions import apply_decisions, load_decisions
from securable.assess.model import Verdict
from securable.portal import security, services

from .conftest import PASSWORD, PRODUCT, Portal, seed_product
from .review_case import review_case

HIDDEN_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HUB = {**PRODUCT, "slug": "hub", "name": "Acme Hub"}


def _account(portal: Portal, name: str, product: str) -> dict[str, str]:
    """A reviewer of ``product``; returns the bearer header of its API token."""
    with portal.app.state.portal.sessions() as db:
        user = security.create_admin(db, name, PASSWORD, portal.clock(), role="reviewer")
        services.grant_review(db, name, product)
        token = security.create_api_token(db, user, "tests", portal.clock())
        db.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def reviewers(portal: Portal) -> tuple[dict[str, str], dict[str, str]]:
    seed_product(portal)
    assert portal.post("/api/v1/admin/products", HUB).status_code == 201
    return _account(portal, "rita", "cam"), _account(portal, "otto", "hub")


def _upload(portal: Portal, headers: dict[str, str], slug: str = "cam", **over: Any) -> Any:
    case = review_case()
    body = {
        "label": "1.2.0 lab run",
        "report": case.report.decode(),
        "declaration": case.declaration.decode(),
    }
    return portal.client.post(f"/api/v1/review/products/{slug}/reviews", json=body | over, headers=headers)


def _decide(portal: Portal, headers: dict[str, str], review: int, **entry: Any) -> Any:
    return portal.client.post(f"/api/v1/review/reviews/{review}/decisions", json=entry, headers=headers)


def test_open_items_carry_their_evidence_and_the_export_round_trips(
    portal: Portal, reviewers: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    rita, _ = reviewers
    created = _upload(portal, rita)
    assert created.status_code == 201, created.text
    review = created.json()["id"]
    items = {
        i["requirement"]: i
        for i in portal.client.get(f"/api/v1/review/reviews/{review}", headers=rita).json()["items"]
    }
    # manual items with the documents' quotes; fails that only a risk acceptance can cover
    ea1a = items["nistir8425:EA-1a"]
    assert ea1a["verdict"] == "manual" and "pass" in ea1a["choices"]
    quotes = [q for f in ea1a["findings"] for q in f["quotes"]]
    assert any(q["document"] == "user_manual" and "password" in q["quote"].lower() for q in quotes), quotes
    assert items["nistir8425:ID-1b"]["verdict"] == "fail"
    assert items["nistir8425:ID-1b"]["choices"] == ["accepted_risk", "fail"]
    assert {i["verdict"] for i in items.values()} == {"manual", "inconclusive", "not_assessed", "fail"}

    link = "https://thermostat.example/st-100/security-guide"
    ok = _decide(
        portal,
        rita,
        review,
        requirement="nistir8425:EA-1a",
        decision="pass",
        rationale="Every capability is described with its use.",
        evidence=[link],
    )
    assert ok.status_code == 201, ok.text
    # a decision never hides a fail; a risk acceptance must expire, in the future
    refused = _decide(portal, rita, review, requirement="nistir8425:ID-1b", decision="pass", rationale="fine")
    assert refused.status_code == 409 and "a check found it failing" in refused.json()["detail"]
    no_expiry = _decide(
        portal,
        rita,
        review,
        requirement="nistir8425:ID-1b",
        decision="accepted_risk",
        rationale="Manual is corrected in the next print run.",
    )
    assert no_expiry.status_code == 409 and "expiry" in no_expiry.json()["detail"]
    past = _decide(
        portal,
        rita,
        review,
        requirement="nistir8425:ID-1b",
        decision="accepted_risk",
        rationale="r",
        expires="2026-01-01",
    )
    assert past.status_code == 409 and "future" in past.json()["detail"]
    accepted = _decide(
        portal,
        rita,
        review,
        requirement="nistir8425:ID-1b",
        decision="accepted_risk",
        rationale="Manual is corrected in the next print run.",
        expires="2027-03-31",
    )
    assert accepted.status_code == 201
    # a second decision supersedes the first; both stay in the history
    assert (
        _decide(
            portal,
            rita,
            review,
            requirement="nistir8425:DP-2",
            decision="fail",
            rationale="Reset leaves the account in the cloud.",
        ).status_code
        == 201
    )
    assert (
        _decide(
            portal,
            rita,
            review,
            requirement="nistir8425:DP-2",
            decision="pass",
            rationale="The cloud account is removed too (checked again).",
        ).status_code
        == 201
    )
    dp2 = next(
        i
        for i in portal.client.get(f"/api/v1/review/reviews/{review}", headers=rita).json()["items"]
        if i["requirement"] == "nistir8425:DP-2"
    )
    assert dp2["decision"]["decision"] == "pass"
    assert [(h["decision"], h["superseded"]) for h in dp2["history"]] == [("pass", False), ("fail", True)]
    passed = next(r.id for r in review_case().assessment.requirements if r.verdict is Verdict.PASS)
    closed = _decide(portal, rita, review, requirement=passed, decision="fail", rationale="x")
    assert closed.status_code == 409 and "is not an open item" in closed.json()["detail"]

    exported = portal.client.get(f"/api/v1/review/reviews/{review}/decisions.yaml", headers=rita)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/yaml")
    path = tmp_path / "decisions.yaml"
    path.write_bytes(exported.content)
    loaded = load_decisions(path)  # exactly what `securable assess --decisions` reads
    assert {(d.target, d.decision, d.reviewer) for d in loaded.entries} >= {
        ("nistir8425:EA-1a", "pass", "rita"),
        ("nistir8425:ID-1b", "accepted_risk", "rita"),
        ("nistir8425:DP-2", "pass", "rita"),
    }
    assert yaml.safe_load(exported.text)["schema"] == "securable/decisions/v1"
    case = review_case()
    folded = apply_decisions(case.assessment, loaded)
    verdicts = {r.id: r.verdict for r in folded.requirements}
    status = {d.target: d.status for d in folded.decisions}
    assert verdicts["nistir8425:EA-1a"] is Verdict.PASS and status["nistir8425:EA-1a"] == "applied"
    assert verdicts["nistir8425:DP-2"] is Verdict.PASS
    assert (
        status["nistir8425:ID-1b"] == "accepted" and folded.accepted_risks["nistir8425:ID-1b"] == "2027-03-31"
    )
    assert "refused" not in status.values() and "stale" not in status.values()
    report = json.loads(json.dumps(folded.to_json()))
    ea = next(r for r in report["requirements"] if r["id"] == "nistir8425:EA-1a")
    assert ea["decision"]["reviewer"] == "rita" and ea["decision"]["evidence"] == [link]


def test_a_reviewer_of_one_product_cannot_decide_for_another(
    portal: Portal, reviewers: tuple[dict[str, str], dict[str, str]]
) -> None:
    rita, otto = reviewers
    review = _upload(portal, rita).json()["id"]
    assert portal.client.get("/api/v1/review/products", headers=otto).json() == [
        {"slug": "hub", "name": "Acme Hub"}
    ]
    assert portal.client.get(f"/api/v1/review/reviews/{review}", headers=otto).status_code == 403
    forbidden = _decide(
        portal, otto, review, requirement="nistir8425:EA-1a", decision="pass", rationale="mine"
    )
    assert forbidden.status_code == 403 and "not a reviewer of product 'cam'" in forbidden.json()["detail"]
    assert (
        portal.client.get(f"/api/v1/review/reviews/{review}/decisions.yaml", headers=otto).status_code == 403
    )
    assert _upload(portal, otto, "cam").status_code == 403
    assert _upload(portal, otto, "hub").status_code == 201
    # a reviewer is no admin: neither the admin API nor the admin pages
    assert portal.client.get("/api/v1/admin/cases", headers=otto).status_code == 403
    assert (
        portal.client.post("/api/v1/admin/products", json=HUB | {"slug": "x"}, headers=otto).status_code
        == 403
    )
    # nothing was recorded for cam by otto
    items = portal.client.get(f"/api/v1/review/reviews/{review}", headers=rita).json()["items"]
    assert all(i["decision"] is None for i in items)
    # admins review every product
    assert portal.client.get(f"/api/v1/review/reviews/{review}", headers=portal.auth).status_code == 200


def test_an_upload_that_is_not_a_securable_report_is_refused_with_a_clear_error(
    portal: Portal, reviewers: tuple[dict[str, str], dict[str, str]]
) -> None:
    rita, _ = reviewers
    for report in (
        '{"bomFormat": "CycloneDX", "specVersion": "1.6"}',
        "not json at all",
        '{"schema": "securable/report/v1"}',
    ):
        r = _upload(portal, rita, report=report)
        assert r.status_code == 422, report
        assert r.json()["detail"].startswith("the uploaded report is not a securable report"), r.text
    r = _upload(portal, rita, declaration="name: thermostat\n")
    assert r.status_code == 422 and "not a securable product.yaml" in r.json()["detail"]
    assert portal.client.get("/api/v1/review/products/cam/reviews", headers=rita).status_code == 405


def _login(portal: Portal, name: str) -> str:
    page = portal.client.get("/admin/login")
    token = HIDDEN_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = portal.client.post(
        "/admin/login", data={"csrf": token, "username": name, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/review"
    home = portal.client.get("/review")
    assert home.status_code == 200
    return HIDDEN_CSRF.search(home.text).group(1)  # type: ignore[union-attr]


def test_review_pages_need_the_session_csrf_token_and_keep_reviewers_out_of_admin(
    portal: Portal, reviewers: tuple[dict[str, str], dict[str, str]]
) -> None:
    rita, _ = reviewers
    review = _upload(portal, rita).json()["id"]
    assert (
        portal.client.get(f"/review/{review}", follow_redirects=False).headers["location"] == "/admin/login"
    )
    csrf = _login(portal, "rita")
    form = {"requirement": "nistir8425:EA-1a", "decision": "pass", "rationale": "Described with its use."}
    for token in ("", "forged"):
        r = portal.client.post(
            f"/review/{review}/decisions", data=form | {"csrf": token}, follow_redirects=False
        )
        assert r.status_code == 303 and "Form%20expired" in r.headers["location"]
    # the API with the session cookie needs the X-CSRF-Token header on writes
    api = f"/api/v1/review/reviews/{review}/decisions"
    assert portal.client.post(api, json=form).status_code == 403
    assert all(
        i["decision"] is None for i in portal.client.get(f"/api/v1/review/reviews/{review}").json()["items"]
    )
    r = portal.client.post(f"/review/{review}/decisions", data=form | {"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "error" not in r.headers["location"]
    page = portal.client.get(f"/review/{review}").text
    assert "Described with its use." in page and "rita" in page
    assert portal.client.post(api, json=form, headers={"X-CSRF-Token": csrf}).status_code == 201
    # the admin pages are not for reviewers
    browser = {"accept": "text/html"}
    assert portal.client.get("/admin", headers=browser).status_code == 403
    assert portal.client.get("/admin/products", headers=browser).status_code == 403
    assert portal.client.get("/review/products/cam/uploads").status_code == 405
    day = dt.date(2026, 11, 28).isoformat()
    assert day in portal.client.get(f"/review/{review}/decisions.yaml").text

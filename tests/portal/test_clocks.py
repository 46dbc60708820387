"""SLA timers and the CRA Art. 14 clocks, driven by an injected clock (no sleeping)."""

from __future__ import annotations

from datetime import timedelta

from .conftest import Portal, seed_product


def timers(portal: Portal, case_id: int, kind: str) -> dict[str, dict[str, str | None]]:
    case = portal.client.get(f"/api/v1/admin/cases/{case_id}", headers=portal.auth).json()
    return {t["name"]: t for t in case[kind]}


def new_case(portal: Portal) -> int:
    seed_product(portal)
    r = portal.client.post(
        "/api/v1/reports",
        json={
            "title": "Exploited RCE",
            "description": "Seen in the wild against cameras.",
            "product": "cam",
            "exploitation": "Botnet sends crafted RTSP.",
        },
    )
    assert r.status_code == 201
    return int(portal.client.get("/api/v1/admin/cases", headers=portal.auth).json()[0]["id"])


def test_sla_timers_run_and_go_overdue(portal: Portal) -> None:
    case = new_case(portal)
    sla = timers(portal, case, "sla")
    assert sla["acknowledge"]["state"] == "met"  # the receipt is the acknowledgement
    assert sla["triage"]["state"] == "running"
    assert sla["triage"]["due"] == "2026-12-08T12:00:00Z"  # 10 days
    portal.clock.advance(timedelta(days=10, seconds=1))
    sla = timers(portal, case, "sla")
    assert sla["triage"]["state"] == "overdue"
    portal.post(f"/api/v1/admin/cases/{case}/transition", {"to": "triaged"})
    sla = timers(portal, case, "sla")
    assert sla["triage"]["state"] == "late"
    assert sla["status_update"]["state"] == "running"  # the update clock restarts with each update
    portal.post(f"/api/v1/admin/cases/{case}/transition", {"to": "confirmed"})
    assert timers(portal, case, "sla")["fix"]["due"] == "2027-03-08T12:00:01Z"  # 90 days after confirmation


def test_workflow_refuses_skipping_states(portal: Portal) -> None:
    case = new_case(portal)
    r = portal.post(f"/api/v1/admin/cases/{case}/transition", {"to": "fixed"})
    assert r.status_code == 422
    assert "allowed next states: triaged, rejected" in r.json()["detail"]


def test_actively_exploited_starts_the_cra_clocks(any_portal: Portal) -> None:
    portal = any_portal
    case = new_case(portal)
    assert timers(portal, case, "cra") == {}
    portal.clock.advance(timedelta(hours=2))
    r = portal.post(
        f"/api/v1/admin/cases/{case}/exploited",
        {"aware_at": "2026-11-28T13:00:00Z", "member_states": "DE, FR"},
    )
    assert r.status_code == 200
    cra = timers(portal, case, "cra")
    assert cra["early_warning"]["due"] == "2026-11-29T13:00:00Z"
    assert cra["notification"]["due"] == "2026-12-01T13:00:00Z"
    assert cra["final_report"]["due"] is None and cra["final_report"]["state"] == "waiting"

    draft = portal.client.get(f"/api/v1/admin/cases/{case}/cra/early_warning", headers=portal.auth).json()
    assert draft["report"]["member_states_affected"] == "DE, FR"
    assert draft["report"]["product"]["name"] == "Acme Cam"
    assert draft["timer_state"] == "running"

    portal.clock.advance(timedelta(hours=24))  # 25 h after awareness
    cra = timers(portal, case, "cra")
    assert cra["early_warning"]["state"] == "overdue"
    assert cra["notification"]["state"] == "running"
    portal.post(f"/api/v1/admin/cases/{case}/cra-sent", {"stage": "early_warning"})
    assert timers(portal, case, "cra")["early_warning"]["state"] == "late"
    portal.post(f"/api/v1/admin/cases/{case}/cra-sent", {"stage": "notification"})
    assert timers(portal, case, "cra")["notification"]["state"] == "met"

    r = portal.post(f"/api/v1/admin/cases/{case}/cra-sent", {"stage": "final_report"})
    assert r.status_code == 422 and "fixed first" in r.json()["detail"]
    for to in ("triaged", "confirmed", "fixed"):
        portal.post(f"/api/v1/admin/cases/{case}/transition", {"to": to})
    cra = timers(portal, case, "cra")
    assert cra["final_report"]["due"] == "2026-12-13T14:00:00Z"  # 14 days after the fix
    final = portal.client.get(f"/api/v1/admin/cases/{case}/cra/final_report", headers=portal.auth).json()
    assert "malicious_actor" in final["to_complete"]
    assert final["report"]["fix_available_since"] == "2026-11-29T14:00:00Z"
    portal.clock.advance(timedelta(days=15))
    assert timers(portal, case, "cra")["final_report"]["state"] == "overdue"


def test_awareness_in_the_future_is_refused(portal: Portal) -> None:
    case = new_case(portal)
    r = portal.post(f"/api/v1/admin/cases/{case}/exploited", {"aware_at": "2027-01-01T00:00:00Z"})
    assert r.status_code == 422
    r = portal.post(f"/api/v1/admin/cases/{case}/exploited", {"aware_at": "2026-11-28T10:00:00"})
    assert r.status_code == 422  # no time zone
    r = portal.client.get(f"/api/v1/admin/cases/{case}/cra/notification", headers=portal.auth)
    assert r.status_code == 422 and "not flagged" in r.json()["detail"]


def test_security_txt_expiry_rolls_with_the_clock(portal: Portal) -> None:
    first = portal.client.get("/.well-known/security.txt").text
    portal.clock.advance(timedelta(days=365))
    later = portal.client.get("/.well-known/security.txt").text
    expires = [line for line in first.splitlines() if line.startswith("Expires:")]
    assert expires == ["Expires: 2027-05-27T12:00:00Z"]
    assert "Expires: 2028-05-26T12:00:00Z" in later

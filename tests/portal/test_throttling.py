"""Per-address limits cannot be dodged with X-Forwarded-For; per-account login throttling never locks out.

The first test runs ``securable portal serve`` as users start it (uvicorn on loopback), because the hole
was in how uvicorn was configured: it believed forwarded headers from 127.0.0.1.
"""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from securable.portal import ManualClock

from .conftest import PASSWORD, build_portal, free_port, settings_for
from .test_migrations_and_cli import _serve, _stop

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

HIDDEN_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
REPORT = {"title": "Open telnet", "description": "Telnet answers on port 23 without a password."}


def _login_form(client: httpx.Client) -> str:
    page = client.get("/admin/login")
    match = HIDDEN_CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


@pytest.mark.integration
def test_forwarded_for_does_not_reset_login_or_intake_limits(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(tmp_path / "data", port)
    try:
        with httpx.Client(base_url=base) as client:
            token = _login_form(client)
            codes = []
            for n in range(12):
                r = client.post(
                    "/admin/login",
                    data={"csrf": token, "username": "alice", "password": f"guess {n} of many"},
                    headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
                    follow_redirects=False,
                )
                codes.append(r.status_code)
            assert 429 in codes, codes  # before the fix: twelve 401s
            reports = [
                client.post(
                    "/api/v1/reports", json=REPORT, headers={"X-Forwarded-For": f"198.51.100.{n + 1}"}
                ).status_code
                for n in range(11)
            ]
            assert reports == [201] * 10 + [429]
    finally:
        _stop(proc)

    # an operator who names the proxy gets the forwarded address, so each client has its own bucket
    proc = _serve(tmp_path / "data", port, ["--trusted-proxy", "127.0.0.1"])
    try:
        reports = [
            httpx.post(
                f"{base}/api/v1/reports", json=REPORT, headers={"X-Forwarded-For": f"198.51.100.{n + 1}"}
            ).status_code
            for n in range(11)
        ]
        assert reports == [201] * 11
    finally:
        _stop(proc)


def _attempt(app: FastAPI, address: str, password: str) -> httpx.Response:
    with TestClient(app, base_url="https://portal.acme.example", client=(address, 40000)) as client:
        token = _login_form(client)
        return client.post(
            "/admin/login",
            data={"csrf": token, "username": "alice", "password": password},
            follow_redirects=False,
        )


def test_account_throttle_slows_distributed_guessing_without_locking_the_owner_out(
    tmp_path: Path, clock: ManualClock
) -> None:
    p = build_portal(settings_for(tmp_path), clock)
    policy = p.settings.login_throttle
    assert _attempt(p.app, "192.0.2.10", PASSWORD).status_code == 303  # the owner's usual address
    burst = int(policy.bucket_capacity)
    for n in range(burst):  # one wrong guess from each of many addresses
        assert _attempt(p.app, f"203.0.113.{n + 1}", "wrong password!").status_code == 401
    # the account's budget is spent: a fresh address is held back even with the right password
    r = _attempt(p.app, "203.0.113.200", PASSWORD)
    assert r.status_code == 429
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 1 / policy.bucket_refill_per_second + 1
    # the owner's known-good address is not held back by the attack on the account
    assert _attempt(p.app, "192.0.2.10", PASSWORD).status_code == 303
    # and the limit is temporary: after the wait, the right password works from anywhere
    clock.advance(timedelta(seconds=wait))
    assert _attempt(p.app, "203.0.113.201", PASSWORD).status_code == 303
    p.app.state.engine.dispose()


def test_one_address_is_slowed_after_a_few_failures(tmp_path: Path, clock: ManualClock) -> None:
    p = build_portal(settings_for(tmp_path), clock)
    free = p.settings.login_throttle.free_failures
    # the device kit's policy: the failure after the free ones starts the doubling delay
    codes = [_attempt(p.app, "203.0.113.7", "wrong password!").status_code for _ in range(free + 2)]
    assert codes == [401] * (free + 1) + [429]
    assert _attempt(p.app, "192.0.2.10", PASSWORD).status_code == 303  # other addresses unaffected
    clock.advance(timedelta(seconds=p.settings.login_throttle.max_delay))
    assert _attempt(p.app, "203.0.113.7", PASSWORD).status_code == 303
    p.app.state.engine.dispose()

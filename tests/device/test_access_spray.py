"""The owner under a password spray from rotating sources (issue 19, item 7)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from securable.device.access import AccessController, LoginThrottledError, ThrottlePolicy, new_password_hasher
from securable.errors import AccessDeniedError
from tests.device.seclog_kit import Clock

# --- 7. the owner under a password spray ----------------------------------------------------------


GOOD = "plum-rocket-saddle-ninety"


def test_owner_on_the_physical_console_is_never_held_back_by_a_spray(tmp_path: Path) -> None:
    clock = Clock()
    access = AccessController(
        tmp_path / "accounts.json",
        clock=clock,
        hasher=new_password_hasher(time_cost=1, memory_cost=1024),
    )
    access.set_initial_credential("owner", GOOD)  # a new device: the owner has no trusted source yet
    start = clock.now
    console_ok = 0
    network_blocked = 0
    for step in range(600):  # a steady spray from a new address every few seconds, for 30 minutes
        now = start + timedelta(seconds=3 * step)
        with contextlib.suppress(AccessDeniedError):
            access.authenticate("owner", f"guess-{step}", source=f"198.51.100.{step % 250}", now=now)
        if step % 50 == 49:
            try:
                access.authenticate("owner", GOOD, source="203.0.113.5", now=now)
            except LoginThrottledError:
                network_blocked += 1
            session = access.authenticate("owner", GOOD, source="console", now=now)
            assert session.token
            console_ok += 1
    assert console_ok == 12
    assert network_blocked > 0  # what the README states: a new network source can be held back


def test_a_sprayer_cannot_use_the_console_path_from_the_network(tmp_path: Path) -> None:
    access = AccessController(
        tmp_path / "accounts.json",
        hasher=new_password_hasher(time_cost=1, memory_cost=1024),
        throttle=ThrottlePolicy(free_failures=2, base_delay=10.0),
    )
    access.set_initial_credential("owner", GOOD)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(3):
        with pytest.raises(AccessDeniedError):
            access.authenticate("owner", f"guess-{i}", source="console", now=now)
    with pytest.raises(LoginThrottledError):  # the console itself still backs off
        access.authenticate("owner", GOOD, source="console", now=now)

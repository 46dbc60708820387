"""Brute-force protection (NIST IR 8259A LA-3): attackers slow down, the owner is never locked out."""

from __future__ import annotations

from pathlib import Path

import pytest

from securable.device.access import AccessController, LoginThrottledError, ThrottlePolicy, new_password_hasher
from securable.errors import AccessDeniedError
from tests.device.kit2_fixtures import Clock, ListLog

GOOD = "plum-rocket-saddle-ninety"


def _device(tmp_path: Path, clock: Clock, log: ListLog, **policy: float) -> AccessController:
    access = AccessController(
        tmp_path / "accounts.json",
        log=log,
        clock=clock,
        hasher=new_password_hasher(time_cost=1, memory_cost=1024),
        throttle=ThrottlePolicy(**policy),  # type: ignore[arg-type]
    )
    access.set_initial_credential("owner", GOOD)
    return access


def _guess(access: AccessController, source: str = "192.0.2.66") -> str:
    try:
        access.authenticate("owner", "a-wrong-guess-0", source=source)
    except LoginThrottledError:
        return "throttled"
    except AccessDeniedError:
        return "denied"
    return "in"


def test_backoff_slows_the_attacker_but_the_owner_from_another_source_logs_in(tmp_path: Path) -> None:
    clock, log = Clock(), ListLog()
    access = _device(tmp_path, clock, log, free_failures=3, base_delay=1.0, max_delay=60.0)
    assert [_guess(access) for _ in range(4)] == ["denied", "denied", "denied", "denied"]
    # the fourth failure started a 1 s backoff for that source: the next guess is not even verified
    assert _guess(access) == "throttled"
    # ... while the owner, from the phone on another address, gets in at once
    session = access.authenticate("owner", GOOD, source="192.0.2.10")
    assert access.validate(session.token).name == "owner"
    # the attacker's own delay then doubles on every failure
    with pytest.raises(LoginThrottledError) as info:
        access.authenticate("owner", GOOD, source="192.0.2.66")  # even the right password waits
    assert info.value.retry_after == pytest.approx(1.0)
    clock.advance(1.0)
    assert _guess(access) == "denied"
    with pytest.raises(LoginThrottledError) as info:
        access.authenticate("owner", "x", source="192.0.2.66")
    assert info.value.retry_after == pytest.approx(2.0)
    events = [(e, d.get("reason")) for e, _, d in log.events if e.startswith("auth.")]
    assert ("auth.failure", "throttled") in events and ("auth.success", None) in events


def test_backoff_is_capped_and_never_permanent(tmp_path: Path) -> None:
    clock = Clock()
    access = _device(tmp_path, clock, ListLog(), free_failures=0, base_delay=1.0, max_delay=8.0)
    delays = []
    for _ in range(8):
        assert _guess(access) == "denied"
        delays.append(access.throttle.retry_after("owner", "192.0.2.66", clock.now))
        clock.advance(delays[-1])
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    # after the cap the rightful user at that source still gets in
    access.authenticate("owner", GOOD, source="192.0.2.66")
    assert access.throttle.failures("192.0.2.66") == 0


def test_account_bucket_bounds_a_distributed_attack_but_not_the_owner_on_a_known_source(
    tmp_path: Path,
) -> None:
    clock = Clock()
    access = _device(tmp_path, clock, ListLog(), bucket_capacity=5, bucket_refill_per_second=0.5)
    access.authenticate("owner", GOOD, source="owner-phone")  # the owner's usual source
    results = [_guess(access, source=f"bot-{i}") for i in range(8)]
    assert results == ["denied"] * 5 + ["throttled"] * 3  # 5 tokens, then the account waits
    with pytest.raises(LoginThrottledError) as info:
        access.authenticate("owner", GOOD, source="cafe-laptop")  # new source: short wait only
    assert 0 < info.value.retry_after <= 2.0
    access.authenticate("owner", GOOD, source="owner-phone")  # known source: not held back
    clock.advance(2.0)
    access.authenticate("owner", GOOD, source="cafe-laptop")


def test_throttle_state_is_bounded(tmp_path: Path) -> None:
    clock = Clock()
    access = _device(tmp_path, clock, ListLog(), max_sources=16, bucket_capacity=1000)
    for i in range(100):
        _guess(access, source=f"bot-{i}")
    assert len(access.throttle._sources) == 16


def test_parallel_guesses_from_one_source_cannot_outrun_the_throttle(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    access = AccessController(
        tmp_path / "accounts.json",
        clock=Clock(),
        hasher=new_password_hasher(time_cost=1, memory_cost=8192),
        throttle=ThrottlePolicy(free_failures=3),
    )
    access.set_initial_credential("owner", GOOD)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _guess(access), range(24)))
    assert results.count("denied") == 4  # three free failures and the one that starts the backoff
    assert results.count("throttled") == 20

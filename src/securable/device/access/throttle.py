"""Brute-force protection that slows attackers without locking the owner out (NIST IR 8259A LA-3).

Two limits, each temporary by construction:

* **per source** (an address, a serial port): after ``free_failures`` failed logins, each further
  attempt from that source must wait ``base_delay * 2**k`` seconds, capped at ``max_delay``.
  A success resets the source. An attacker on the LAN therefore slows only *its own* source —
  the owner logging in from another address is not affected (the self-DoS that hard account
  lockouts cause is the reason there is no account lockout here).
* **per account**: a token bucket drained only by *failed* logins, refilled at a steady rate.
  It bounds the guessing rate of a distributed attacker (many sources) against one account;
  when it runs dry, attempts wait for the next token, never longer than ``1 / refill`` seconds.
  A source from which the account logged in successfully before (within ``trust_for`` seconds)
  is not held back by the account bucket — so even a distributed attack on the owner's account
  cannot keep the owner out of the device from the phone they already use.
* **local physical interfaces** (``local_sources``, by default ``"console"``: the serial console
  or buttons-and-screen of the device itself) are never held back by the account bucket either,
  only by their own per-source back-off. A sprayer on the network cannot spend that path, so
  the owner of a *new* device — who has no trusted source yet — can always log in there with
  the label credential. The product must pass such a source name only for attempts that really
  come from the physical interface, never for a network address.

What is guaranteed, exactly: a sprayer that rotates network sources can keep the account
bucket empty, and then a network source the owner never logged in from may have to wait for
the next token for as long as the spray lasts. The owner's previously used sources and the
local physical interfaces are not affected by any amount of guessing from elsewhere.

State is in memory and bounded (``max_sources``): it protects the running device, and a restart
does not lift a limit for long because the limits are short anyway.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Throttle", "ThrottlePolicy"]


@dataclass(frozen=True)
class ThrottlePolicy:
    """Thresholds of :class:`Throttle` (all configurable; defaults suit a consumer device)."""

    free_failures: int = 3
    base_delay: float = 1.0
    max_delay: float = 300.0
    bucket_capacity: float = 10.0
    bucket_refill_per_second: float = 0.2
    max_sources: int = 4096
    trust_for: float = 30 * 24 * 3600.0
    local_sources: frozenset[str] = field(default=frozenset({"console"}))


@dataclass
class _SourceState:
    failures: int = 0
    blocked_until: float = 0.0


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Throttle:
    """Decides whether a login attempt may be verified now, and records its outcome."""

    def __init__(self, policy: ThrottlePolicy | None = None) -> None:
        self.policy = policy or ThrottlePolicy()
        self._sources: OrderedDict[str, _SourceState] = OrderedDict()
        self._buckets: dict[str, _Bucket] = {}
        self._trusted: OrderedDict[tuple[str, str], float] = OrderedDict()

    @staticmethod
    def _t(now: datetime) -> float:
        return now.timestamp()

    def _bucket(self, username: str, t: float) -> _Bucket:
        bucket = self._buckets.get(username)
        if bucket is None:
            bucket = self._buckets[username] = _Bucket(self.policy.bucket_capacity, t)
        elapsed = max(0.0, t - bucket.updated)
        bucket.tokens = min(
            self.policy.bucket_capacity, bucket.tokens + elapsed * self.policy.bucket_refill_per_second
        )
        bucket.updated = t
        return bucket

    def retry_after(self, username: str, source: str, now: datetime) -> float:
        """Seconds until an attempt for ``username`` from ``source`` may be verified (0 = now)."""
        t = self._t(now)
        wait = 0.0
        state = self._sources.get(source)
        if state is not None:
            wait = max(wait, state.blocked_until - t)
        bucket = self._bucket(username, t)
        trusted_at = self._trusted.get((username, source))
        trusted = trusted_at is not None and t - trusted_at <= self.policy.trust_for
        if bucket.tokens < 1.0 and not trusted and source not in self.policy.local_sources:
            wait = max(wait, (1.0 - bucket.tokens) / self.policy.bucket_refill_per_second)
        return max(0.0, wait)

    def failure(self, username: str, source: str, now: datetime) -> None:
        t = self._t(now)
        state = self._sources.pop(source, None) or _SourceState()
        state.failures += 1
        extra = state.failures - self.policy.free_failures
        if extra > 0:
            delay = min(self.policy.max_delay, self.policy.base_delay * 2 ** min(extra - 1, 64))
            state.blocked_until = t + delay
        self._sources[source] = state  # most recent last
        while len(self._sources) > self.policy.max_sources:
            self._sources.popitem(last=False)
        bucket = self._bucket(username, t)
        bucket.tokens = max(0.0, bucket.tokens - 1.0)

    def success(self, username: str, source: str, now: datetime) -> None:
        """A good login: the source starts afresh, and the attempt's account token is refunded."""
        self._sources.pop(source, None)
        bucket = self._bucket(username, self._t(now))
        bucket.tokens = min(self.policy.bucket_capacity, bucket.tokens + 1.0)
        self._trusted.pop((username, source), None)
        self._trusted[(username, source)] = self._t(now)
        while len(self._trusted) > self.policy.max_sources:
            self._trusted.popitem(last=False)

    def failures(self, source: str) -> int:
        state = self._sources.get(source)
        return state.failures if state else 0

    def clear(self) -> None:
        self._sources.clear()
        self._buckets.clear()
        self._trusted.clear()

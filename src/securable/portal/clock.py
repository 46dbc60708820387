"""Time, injected.

Every deadline the portal computes (acknowledgement SLA, CRA 24 h / 72 h / 14 day clocks, the rolling
``Expires`` of security.txt) reads the time from one callable handed to :func:`create_app`, so tests move
time forward instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock in UTC, without microseconds (CSAF and RFC 3339 readers prefer whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


class ManualClock:
    """A clock that only moves when told to; for tests and demos that replay a case's timeline."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now = self.now + delta


def as_utc(value: datetime) -> datetime:
    """Databases without time zones (SQLite) hand back naive datetimes; they are UTC by construction."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def rfc3339(value: datetime) -> str:
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")

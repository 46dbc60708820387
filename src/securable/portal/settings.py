"""Portal settings: one frozen object handed to :func:`securable.portal.create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from securable.device.access import ThrottlePolicy


def _login_throttle() -> ThrottlePolicy:
    # The device kit's policy, tuned for a web login: 5 free failures per address, then 1 s doubling to
    # 5 min; per account 10 failures in a burst, then one guess per 30 s from addresses that never
    # logged in successfully. Nothing locks an account for longer than that.
    return ThrottlePolicy(free_failures=5, bucket_capacity=10.0, bucket_refill_per_second=1 / 30)


@dataclass(frozen=True)
class RateLimits:
    """Requests per client address per minute, by bucket. Public write endpoints get the tightest limits."""

    report_submit: int = 10
    status_lookup: int = 30
    login: int = 10
    public_read: int = 1200


@dataclass(frozen=True)
class PortalSettings:
    """Where the portal keeps its data and what it publishes about the manufacturer.

    ``public_url`` is the absolute base every published link is built from (CSAF canonical URLs,
    security.txt, the QR code), so it must be what buyers and aggregators reach, not the bind address.
    ``trusted_proxies`` lists the reverse proxies (addresses or networks) whose ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` are believed; empty by default, because a client that can set those headers
    could otherwise pick its own address and walk around every per-address limit.
    """

    data_dir: Path
    public_url: str
    database_url: str = ""
    publisher_name: str = "Example Manufacturer"
    publisher_namespace: str = "https://example.invalid"
    publisher_contact: str = "security@example.invalid"
    tracking_prefix: str = "SA"
    ack_days: int = 3
    triage_days: int = 10
    update_days: int = 14
    fix_days: int = 90
    security_txt_days: int = 180
    session_hours: int = 8
    secure_cookies: bool = False
    max_body_bytes: int = 8 * 1024 * 1024
    rate_limits: RateLimits = field(default_factory=RateLimits)
    login_throttle: ThrottlePolicy = field(default_factory=_login_throttle)
    trusted_proxies: tuple[str, ...] = ()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'portal.sqlite3'}"

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + path

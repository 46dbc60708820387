"""Portal settings: one frozen object handed to :func:`securable.portal.create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'portal.sqlite3'}"

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + path

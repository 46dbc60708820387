"""Web security for the portal: admin passwords, sessions, CSRF, rate limits, response headers.

- Passwords: argon2id (argon2-cffi's defaults follow RFC 9106's second recommendation).
- Sessions: a random cookie; only its SHA-256 is stored, with an expiry, so a copied database opens nothing.
- CSRF: admin forms carry the session's own token; the public intake form uses a double-submit cookie
  (SameSite=Strict, HttpOnly) matched against a hidden field, so it works before anyone logs in.
- Rate limits: a sliding one-minute window per client address and bucket, in memory (one process).
- Headers: a strict CSP without inline script, no framing, no referrer, no MIME sniffing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from securable.errors import UsageError
from securable.portal.clock import as_utc
from securable.portal.models import Admin, AdminSession, ApiToken

SESSION_COOKIE = "securable_session"
CSRF_COOKIE = "securable_csrf"
_hasher = PasswordHasher()
# A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD = 12


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


ROLES = ("admin", "reviewer")


def create_admin(db: Session, username: str, password: str, now: datetime, *, role: str = "admin") -> Admin:
    """Add an account (an admin, or a reviewer with ``role="reviewer"``); refuses weak passwords and
    duplicate names with a fix."""
    if role not in ROLES:
        raise UsageError(f"role {role!r} is not known", diagnostics=f"use one of: {', '.join(ROLES)}")
    if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").isalnum():
        raise UsageError(
            f"admin name {username!r} is not allowed",
            diagnostics="use 1-64 letters, digits, '-' or '_'",
        )
    if len(password) < MIN_PASSWORD:
        raise UsageError(
            "admin password is too short",
            diagnostics=f"use at least {MIN_PASSWORD} characters (a passphrase is fine)",
        )
    if db.scalar(select(Admin).where(Admin.username == username)) is not None:
        raise UsageError(f"admin {username!r} exists already", diagnostics="pick another name")
    admin = Admin(username=username, password_hash=_hasher.hash(password), created_at=now, role=role)
    db.add(admin)
    db.flush()
    return admin


def verify_login(db: Session, username: str, password: str) -> Admin | None:
    admin = db.scalar(select(Admin).where(Admin.username == username))
    try:
        _hasher.verify(admin.password_hash if admin else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if admin is None:
        return None
    if _hasher.check_needs_rehash(admin.password_hash):
        admin.password_hash = _hasher.hash(password)
    return admin


def open_session(db: Session, admin: Admin, now: datetime, hours: int) -> str:
    """Start a login; returns the cookie value (the only place the clear token exists)."""
    token = secrets.token_urlsafe(32)
    db.execute(delete(AdminSession).where(AdminSession.expires_at < now))
    db.add(
        AdminSession(
            token_hash=token_hash(token),
            csrf_token=secrets.token_urlsafe(32),
            admin_id=admin.id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def find_session(db: Session, token: str | None, now: datetime) -> AdminSession | None:
    if not token:
        return None
    row = db.scalar(select(AdminSession).where(AdminSession.token_hash == token_hash(token)))
    if row is None or as_utc(row.expires_at) <= now:
        return None
    return row


def close_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash(token)))


def create_api_token(db: Session, admin: Admin, label: str, now: datetime) -> str:
    token = "sec_" + secrets.token_urlsafe(32)
    db.add(ApiToken(token_hash=token_hash(token), label=label, admin_id=admin.id, created_at=now))
    return token


def find_api_token(db: Session, header: str | None) -> ApiToken | None:
    if not header or not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    return db.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


class RateLimiter:
    """Sliding-window limiter keyed by (bucket, client). ``hit`` says whether the request may proceed."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._monotonic = monotonic

    def hit(self, bucket: str, client: str, per_minute: int) -> float:
        """Record a request; returns 0 when allowed, else the seconds until the next one is allowed."""
        now = self._monotonic()
        with self._lock:
            window = self._hits[(bucket, client)]
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= per_minute:
                return max(0.1, 60.0 - (now - window[0]))
            window.append(now)
            return 0.0


CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class SecurityHeaders(BaseHTTPMiddleware):
    """Adds the same protective headers to every response, including errors."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        super().__init__(app)
        self.hsts = hsts

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.url.path.startswith(("/admin", "/api/v1/admin", "/status", "/review", "/api/v1/review")):
            headers["Cache-Control"] = "no-store"
        if self.hsts:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (413), by header and while streaming, before parsing."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large(send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    body = b'{"detail":"request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})

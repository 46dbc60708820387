"""Request plumbing shared by the API and the pages: per-request state, auth, CSRF and rate limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from securable.device.access import Throttle
from securable.portal import security
from securable.portal.clock import Clock
from securable.portal.models import Admin, AdminSession
from securable.portal.settings import PortalSettings


@dataclass
class PortalState:
    settings: PortalSettings
    sessions: sessionmaker[Session]
    clock: Clock
    limiter: security.RateLimiter
    throttle: Throttle


def state(request: Request) -> PortalState:
    st: PortalState = request.app.state.portal
    return st


def db_session(request: Request) -> Iterator[Session]:
    session = state(request).sessions()
    try:
        yield session
    finally:
        session.close()


DB = Annotated[Session, Depends(db_session)]
State = Annotated[PortalState, Depends(state)]


def now(request: Request) -> datetime:
    return state(request).clock()


Now = Annotated[datetime, Depends(now)]


def client_address(request: Request) -> str:
    """The peer's address; a forwarded one only when it came through a configured trusted proxy."""
    return request.client.host if request.client else "unknown"


def rate_limit(bucket: str) -> Callable[[Request], None]:
    """A dependency that answers 429 (with Retry-After) once the client used up its minute."""

    def check(request: Request) -> None:
        st = state(request)
        per_minute = int(getattr(st.settings.rate_limits, bucket))
        wait = st.limiter.hit(bucket, client_address(request), per_minute)
        if wait:
            raise HTTPException(
                status_code=429,
                detail=f"too many requests; retry in {int(wait) + 1} s",
                headers={"Retry-After": str(int(wait) + 1)},
            )

    return check


@dataclass
class Principal:
    admin: Admin
    session: AdminSession | None  # None when authenticated by bearer token


def find_principal(request: Request, db: Session, at: datetime) -> Principal | None:
    token = security.find_api_token(db, request.headers.get("authorization"))
    if token is not None:
        return Principal(token.admin, None)
    sess = security.find_session(db, request.cookies.get(security.SESSION_COOKIE), at)
    if sess is not None:
        return Principal(sess.admin, sess)
    return None


def api_user(request: Request, db: DB, at: Now) -> Principal:
    """API guard for any account (admin or reviewer): a bearer token, or a session cookie plus the
    session's CSRF header on writes. What the account may touch is checked by the route."""
    principal = find_principal(request, db, at)
    if principal is None:
        raise HTTPException(status_code=401, detail="login required", headers={"WWW-Authenticate": "Bearer"})
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    if (
        principal.session is not None
        and writes
        and not security.same_token(request.headers.get("x-csrf-token"), principal.session.csrf_token)
    ):
        raise HTTPException(status_code=403, detail="missing or wrong X-CSRF-Token header")
    return principal


def api_admin(request: Request, db: DB, at: Now) -> Principal:
    """Admin API guard: :func:`api_user`, and the account must be an admin (a reviewer gets 403)."""
    principal = api_user(request, db, at)
    if not principal.admin.is_admin:
        raise HTTPException(status_code=403, detail="this account is a reviewer; the admin API is for admins")
    return principal


ApiUser = Annotated[Principal, Depends(api_user)]
ApiAdmin = Annotated[Principal, Depends(api_admin)]

"""Login sessions: random 256-bit bearer tokens that expire, kept only as hashes.

Why hashed: whoever reads the device's memory or a crash dump must not be able to replay a live
token. SHA-256 suffices (unlike for passwords) because a 256-bit random token cannot be guessed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Session", "SessionTable"]


@dataclass(frozen=True)
class Session:
    """What a successful login returns. ``token`` is shown once, to the client; never stored."""

    token: str
    username: str
    role: str
    source: str
    created: datetime
    expires: datetime


@dataclass(frozen=True)
class _Entry:
    username: str
    role: str
    source: str
    expires: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionTable:
    """Issued sessions by token hash; expired ones are dropped as they are seen."""

    def __init__(self, ttl: timedelta, max_sessions: int = 256) -> None:
        self.ttl = ttl
        self.max_sessions = max_sessions
        self._entries: dict[str, _Entry] = {}

    def issue(self, username: str, role: str, source: str, now: datetime) -> Session:
        self.prune(now)
        while len(self._entries) >= self.max_sessions:
            oldest = min(self._entries, key=lambda k: self._entries[k].expires)
            del self._entries[oldest]
        token = secrets.token_urlsafe(32)
        expires = now + self.ttl
        self._entries[_digest(token)] = _Entry(username, role, source, expires)
        return Session(token, username, role, source, now, expires)

    def lookup(self, token: str, now: datetime) -> _Entry | None:
        key = _digest(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if now >= entry.expires:
            del self._entries[key]
            return None
        return entry

    def revoke(self, token: str) -> bool:
        return self._entries.pop(_digest(token), None) is not None

    def revoke_user(self, username: str) -> int:
        doomed = [k for k, e in self._entries.items() if e.username == username]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    def prune(self, now: datetime) -> None:
        for key in [k for k, e in self._entries.items() if now >= e.expires]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

"""Bounded HTTP(S) requests to one declared site, with httpx.

Every request has a size cap (the body is read in chunks and cut at ``max_bytes``), a time limit
(connect, read and the whole download), and counts against a per-site request budget, so a slow,
huge or endless site cannot hold up the assessment. Redirects are followed by hand, a few hops at
most, and only while they stay on the declared host: a redirect elsewhere is *recorded*
(:attr:`WebResponse.offsite`) and never followed, so a hostile or misconfigured site cannot steer
the assessment (or the login attempts) to somebody else's server.

Certificates are not verified here: the fetcher must read what the site serves even when its
certificate is bad, and the TLS check judges the certificate on its own handshake. Nothing here
raises on network trouble; :attr:`WebResponse.error` says what went wrong.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import httpx

__all__ = ["Fetcher", "WebLimits", "WebResponse", "same_host"]


@dataclass(frozen=True)
class WebLimits:
    """Caps on what one web target may cost, and what it may do.

    ``max_bytes`` and ``seconds`` hold for every request; ``max_requests`` for the whole target
    (every check together); ``login_attempts`` is the default-credential budget;
    ``ca_file`` adds trust anchors (PEM) for judging the certificate; ``openpgp_key`` is the
    manufacturer's public key (armored or binary) that a signed ``security.txt`` is verified
    with — without one a signature is parsed but not verified.
    """

    max_bytes: int = 2 * 1024 * 1024
    seconds: float = 10.0
    max_redirects: int = 3
    max_requests: int = 300
    max_documents: int = 100  # CSAF/VEX documents read when matching vulnerabilities
    login_attempts: int = 10
    ca_file: Path | None = None
    openpgp_key: Path | None = None


@dataclass(frozen=True)
class WebResponse:
    """What one request showed. ``status`` 0 means no HTTP answer (see ``error``)."""

    url: str  # the URL finally answered (after same-host redirects)
    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    truncated: bool = False  # the body was longer than the size cap
    redirects: tuple[str, ...] = ()  # same-host hops followed
    offsite: str | None = None  # a redirect to another host, not followed
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and self.error is None and self.offsite is None

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


def same_host(a: str, b: str) -> bool:
    """Whether two URLs name the same host (scheme and port may differ: http→https is fine)."""
    return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()


class Fetcher:
    """Requests to the site at ``base`` within ``limits``; thread-safe (checks share one)."""

    def __init__(self, base: str, limits: WebLimits) -> None:
        self.base = base
        self.limits = limits
        self._lock = threading.Lock()
        self._count = 0
        self._client: httpx.Client | None = None

    @property
    def requests_made(self) -> int:
        return self._count

    def _http(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=httpx.Timeout(self.limits.seconds),
                    follow_redirects=False,
                    trust_env=False,  # no proxy from the environment: requests go where declared
                    verify=False,  # noqa: S501 - the TLS check judges the certificate itself
                    headers={"User-Agent": "securable-assess"},
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def url(self, ref: str) -> str:
        """``ref`` (a path or a URL) as an absolute URL against the base."""
        return urljoin(self.base, ref)

    def _spend(self) -> bool:
        with self._lock:
            if self._count >= self.limits.max_requests:
                return False
            self._count += 1
            return True

    def request(
        self,
        ref: str,
        method: str = "GET",
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        follow: bool = True,
    ) -> WebResponse:
        """One request (plus same-host redirects when ``follow``); never raises."""
        import httpx

        url = self.url(ref)
        if urlsplit(url).scheme not in ("http", "https"):
            return WebResponse(url, error=f"not an http(s) URL: {url!r}")
        if not same_host(url, self.base):
            return WebResponse(url, offsite=url, error="on another host than the declared one; not requested")
        hops: list[str] = []
        client = self._http()
        for _hop in range(self.limits.max_redirects + 1):
            if not self._spend():
                return WebResponse(url, error=f"request budget of {self.limits.max_requests} spent")
            try:
                response = self._one(client, method, url, headers, body)
            except httpx.HTTPError as exc:
                return WebResponse(url, redirects=tuple(hops), error=f"{type(exc).__name__}: {exc}")
            if not (follow and response.status in (301, 302, 303, 307, 308)):
                return WebResponse(
                    url,
                    response.status,
                    response.headers,
                    response.body,
                    response.truncated,
                    tuple(hops),
                    error=response.error,
                )
            target = urljoin(url, response.headers.get("location", ""))
            if not same_host(target, self.base) or urlsplit(target).scheme not in ("http", "https"):
                return WebResponse(
                    url,
                    response.status,
                    response.headers,
                    response.body,
                    redirects=tuple(hops),
                    offsite=target,
                )
            hops.append(url)
            url = target
            if response.status == 303:
                method, body = "GET", None
        return WebResponse(
            url, redirects=tuple(hops), error=f"more than {self.limits.max_redirects} redirects"
        )

    def get(self, ref: str, *, headers: Mapping[str, str] | None = None) -> WebResponse:
        return self.request(ref, headers=headers)

    def _one(
        self,
        client: httpx.Client,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
    ) -> WebResponse:
        deadline = time.monotonic() + self.limits.seconds
        with client.stream(method, url, headers=dict(headers or {}), content=body) as response:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            error = None
            for chunk in response.iter_bytes():
                room = self.limits.max_bytes - size
                if len(chunk) > room:
                    chunks.append(chunk[:room])
                    truncated = True
                    break
                chunks.append(chunk)
                size += len(chunk)
                if time.monotonic() > deadline:
                    error = f"download took longer than {self.limits.seconds:g} s"
                    break
            names = {k.lower() for k in response.headers}
            merged = {name: ", ".join(response.headers.get_list(name)) for name in names}
            return WebResponse(url, response.status_code, merged, b"".join(chunks), truncated, error=error)

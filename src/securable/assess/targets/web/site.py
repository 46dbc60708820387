"""The web target: the manufacturer's web presence and the product's HTTP(S) backends.

A :class:`WebSite` is one base URL and the facts about it that several checks share — the home
page, ``security.txt``, the CSAF provider metadata, the TLS handshakes, the answers to probing
requests — each fetched once (:func:`~securable.assess.facts._memo.fact`) through one bounded
:class:`~securable.assess.targets.web.fetch.Fetcher`. A site has roles: ``presence`` (where the
public obligations are checked: disclosure policy, advisories, support period) and ``backend``
(an HTTP(S) API: TLS, headers, authentication, CORS, error pages). ``security.txt`` is checked
for both.

:class:`Web` is what checks receive: every site of the run. Build one from a URL with
:meth:`Web.from_url` (what the CLI's ``--web``/``--backend`` and an integrator routing a declared
backend component do), or from the declaration's ``web:`` section with :meth:`Web.from_declaration`.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from securable.assess.facts._memo import fact
from securable.assess.model import Location, TargetKind
from securable.assess.targets.web.fetch import Fetcher, WebLimits, WebResponse, same_host
from securable.assess.targets.web.security_txt import SecurityTxt, parse_security_txt
from securable.errors import UsageError

if TYPE_CHECKING:
    from securable.assess.targets.declaration import Declaration
    from securable.assess.targets.host.probe import TlsHandshake

__all__ = ["BACKEND", "PRESENCE", "TlsFacts", "Web", "WebSite", "check_base_url"]

PRESENCE = "presence"
BACKEND = "backend"
SECURITY_TXT = "/.well-known/security.txt"
PROVIDER_METADATA = "/.well-known/csaf/provider-metadata.json"
TLS_VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("TLSv1", ssl.TLSVersion.TLSv1),
    ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2),
    ("TLSv1.3", ssl.TLSVersion.TLSv1_3),
)


def check_base_url(url: str, what: str = "--web") -> str:
    """``url`` if it is an absolute http(s) URL with a host, else a :class:`UsageError` (exit 2)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{what}: {url!r} is not an http(s) URL",
            diagnostics=f"give a base URL such as {what} https://example.com/",
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UsageError(
            f"{what}: {url!r} has an invalid port", diagnostics="use a port between 1 and 65535"
        ) from None
    return url.strip()


@dataclass(frozen=True)
class TlsFacts:
    """What the TLS handshakes with a site showed: per version accepted or not, the chain sent,
    and whether the certificate verifies for the host name against the trust anchors."""

    handshake: TlsHandshake
    versions: Mapping[str, bool]
    trusted: bool
    trust_error: str | None


class WebSite:
    """One base URL, its roles, and facts about it fetched once within :class:`WebLimits`."""

    def __init__(
        self,
        url: str,
        *,
        roles: Iterable[str] = (PRESENCE, BACKEND),
        limits: WebLimits | None = None,
        auth_paths: Sequence[str] = (),
        product_page: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        self.url = check_base_url(url, "web URL")
        self.roles = frozenset(roles)
        self.limits = limits or WebLimits()
        self.auth_paths = tuple(auth_paths)
        self.product_page = product_page
        self._now = now
        self.fetcher = Fetcher(self.url, self.limits)
        parts = urlsplit(self.url)
        self.host = parts.hostname or ""
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)

    @classmethod
    def from_url(cls, url: str, limits: WebLimits | None = None, **kw: Any) -> WebSite:
        """A site from its base URL (both roles unless ``roles=`` says otherwise)."""
        return cls(url, limits=limits, **kw)

    def __repr__(self) -> str:
        return f"WebSite({self.url!r}, roles={sorted(self.roles)})"

    @property
    def now(self) -> dt.datetime:
        return self._now or dt.datetime.now(dt.UTC)

    def location(self, path: str = "/") -> Location:
        return Location(host=self.host, port=self.port, service="https" if self.tls else "http", path=path)

    def get(self, ref: str, **kw: Any) -> WebResponse:
        return self.fetcher.request(ref, **kw)

    def close(self) -> None:
        self.fetcher.close()

    # --- facts -----------------------------------------------------------------------------

    @fact
    def home(self) -> WebResponse:
        """The base URL itself (same-host redirects followed)."""
        return self.get(self.url)

    @fact
    def security_txt_response(self) -> WebResponse:
        return self.get(SECURITY_TXT)

    @fact
    def security_txt(self) -> SecurityTxt | None:
        """The parsed file, when the site served one (``None`` otherwise)."""
        resp = self.security_txt_response
        if not resp.ok or resp.truncated:
            return None
        return parse_security_txt(resp.text, resp.url, now=self.now, key=self.limits.openpgp_key)

    @fact
    def provider_metadata_url(self) -> str:
        """``CSAF:`` of security.txt when it is on this host, else the well-known location."""
        txt = self.security_txt
        for value in txt.values("csaf") if txt is not None else []:
            if same_host(value, self.url):
                return value
        return self.fetcher.url(PROVIDER_METADATA)

    @fact
    def provider_metadata(self) -> WebResponse:
        return self.get(self.provider_metadata_url)

    @fact
    def tls_facts(self) -> TlsFacts | None:
        """Handshakes through the live TLS checks' permissive probe (one per version, one
        unpinned), and one verifying handshake for trust; ``None`` for a plain-http site."""
        if not self.tls:
            return None
        from securable.assess.targets.host.tls_client import TlsSocketProbe

        probe = TlsSocketProbe(timeout=min(self.limits.seconds, 10.0))
        versions = {
            name: probe.tls_handshake(self.host, self.port, version=v).accepted for name, v in TLS_VERSIONS
        }
        handshake = probe.tls_handshake(self.host, self.port)
        trusted, error = self._verify_trust()
        return TlsFacts(handshake, versions, trusted, error)

    def _verify_trust(self) -> tuple[bool, str | None]:
        ctx = ssl.create_default_context()
        if self.limits.ca_file is not None:
            try:
                ctx.load_verify_locations(cafile=str(self.limits.ca_file))
            except (OSError, ssl.SSLError) as exc:
                return False, f"the CA file {self.limits.ca_file} cannot be loaded ({exc})"
        try:
            with (
                socket.create_connection((self.host, self.port), timeout=self.limits.seconds) as raw,
                ctx.wrap_socket(raw, server_hostname=self.host),
            ):
                return True, None
        except ssl.SSLCertVerificationError as exc:
            return False, exc.verify_message or str(exc)
        except (OSError, ssl.SSLError) as exc:
            return False, str(exc) or type(exc).__name__

    @fact
    def not_found(self) -> WebResponse:
        """The answer to a path no site serves: shows the error page and its headers."""
        return self.get("/securable-probe-does-not-exist-7f3a/..%2f%00'\"<x>")

    @fact
    def malformed(self) -> tuple[WebResponse, ...]:
        """Answers to malformed requests on the site's API paths (bad JSON, wrong types)."""
        paths = list(dict.fromkeys([*self.auth_paths[:3], "/api/", "/"]))
        out: list[WebResponse] = []
        for path in paths:
            out.append(
                self.get(
                    path,
                    method="POST",
                    headers={"Content-Type": "application/json"},
                    body=b'{"securable": [1, 2, {"unterminated": ',
                )
            )
            out.append(self.get(path + ("&" if "?" in path else "?") + "id=%27%22%00%ff&page=-1e309"))
        return tuple(out)


def _documents_of(value: Any) -> Iterable[str]:
    """Every string value under ``value`` (a JSON document) that looks like a URL."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _documents_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from _documents_of(item)
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        yield value


def json_of(resp: WebResponse) -> Any:
    """The JSON body of an OK response, or ``None``."""
    if not resp.ok or resp.truncated:
        return None
    try:
        return json.loads(resp.body)
    except ValueError:
        return None


@dataclass(eq=False)
class Web:
    """The web target of one run: every site, each with its roles."""

    sites: tuple[WebSite, ...]
    notes: tuple[str, ...] = field(default=())

    kind = TargetKind.WEB

    @property
    def ref(self) -> str:
        return ", ".join(s.url for s in self.sites)

    @classmethod
    def from_url(
        cls,
        url: str,
        limits: WebLimits | None = None,
        *,
        roles: Iterable[str] = (PRESENCE, BACKEND),
        **kw: Any,
    ) -> Web:
        """A web target of one site: the integrator's one call for a declared backend component
        (``roles=("backend",)``) or a web presence (``roles=("presence",)``)."""
        return cls((WebSite.from_url(url, limits, roles=roles, **kw),))

    @classmethod
    def from_declaration(
        cls, decl: Declaration, limits: WebLimits | None = None, *, extra: Iterable[WebSite] = ()
    ) -> Web | None:
        """The sites of ``decl``'s ``web:`` section (plus ``extra``), or ``None`` when there are none."""
        section = decl.section("web")
        support = decl.section("support")
        product = decl.section("product")
        page = section.get("product_page") or support.get("statement_url") or product.get("url")
        page = page if isinstance(page, str) and page.startswith(("http://", "https://")) else None
        sites: list[WebSite] = []
        url = section.get("url")
        if isinstance(url, str):
            sites.append(WebSite(url, roles=(PRESENCE,), limits=limits, product_page=page))
        for backend in section.get("backends") or ():
            if isinstance(backend, dict) and isinstance(backend.get("url"), str):
                sites.append(
                    WebSite(
                        backend["url"],
                        roles=(BACKEND,),
                        limits=limits,
                        auth_paths=tuple(str(p) for p in backend.get("auth_paths") or ()),
                        product_page=page,
                    )
                )
        for site in extra:  # sites given on the command line publish the declared product page too
            site.product_page = site.product_page or page
            sites.append(site)
        return cls(merge_sites(sites)) if sites else None

    def with_sites(self, more: Iterable[WebSite]) -> Web:
        return replace(self, sites=merge_sites([*self.sites, *more]))

    def having(self, role: str) -> tuple[WebSite, ...]:
        return tuple(s for s in self.sites if role in s.roles)

    def close(self) -> None:
        for site in self.sites:
            site.close()


def merge_sites(sites: Iterable[WebSite]) -> tuple[WebSite, ...]:
    """One site per base URL: roles, API paths and the product page of duplicates combined."""
    merged: dict[str, WebSite] = {}
    for site in sites:
        key = site.url.rstrip("/")
        if key not in merged:
            merged[key] = site
            continue
        first = merged[key]
        merged[key] = WebSite(
            first.url,
            roles=first.roles | site.roles,
            limits=first.limits,
            auth_paths=tuple(dict.fromkeys([*first.auth_paths, *site.auth_paths])),
            product_page=first.product_page or site.product_page,
            now=first._now,
        )
    return tuple(merged.values())

"""The login surface of an HTTP(S) service: where it asks for credentials, and one attempt.

Several checks need this (default credentials try it, cleartext credentials judge it), so the
target finds it once per port (:attr:`LiveHost.login_forms`) through these functions, which use
the HTTP seam only. Only paths on the assessed host are requested, whatever a form's ``action``
says: a hostile device must not steer the probe elsewhere.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlencode, urljoin, urlsplit

from securable.assess.netclients import LoginForm, find_login_form
from securable.assess.targets.host.probe import HttpProbe, HttpResponse

__all__ = [
    "MAX_DISCOVERED",
    "OPENAPI_PATHS",
    "HttpService",
    "LoginSurface",
    "find_login",
    "listed_api_paths",
    "openapi_paths",
    "try_login",
]

_FAILED_LOGIN = re.compile(rb"invalid|incorrect|failed|wrong|denied", re.IGNORECASE)

OPENAPI_PATHS = ("/openapi.json", "/api/openapi.json", "/swagger.json")
MAX_DISCOVERED = 50


@dataclass(frozen=True)
class LoginSurface:
    """Where a service asks for credentials: HTTP ``basic``/``digest`` at ``path``, or a ``form``."""

    kind: str  # "basic" | "digest" | "form"
    path: str
    form: LoginForm | None = None


@dataclass(frozen=True)
class HttpService:
    """One HTTP(S) port of the host, reached through the HTTP seam."""

    probe: HttpProbe
    address: str
    port: int
    tls: bool

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None:
        return self.probe.http(
            self.address, self.port, method, path, tls=self.tls, headers=headers, body=body
        )

    def get(self, path: str) -> HttpResponse | None:
        return self.request("GET", path)


def listed_api_paths() -> tuple[str, ...]:
    """The shipped list of API paths devices commonly serve (``assess/data/net_http_api_paths.txt``)."""
    text = (resources.files("securable.assess.data") / "net_http_api_paths.txt").read_text(encoding="utf-8")
    return tuple(ln.strip() for ln in text.splitlines() if ln.strip().startswith("/"))


def openapi_paths(svc: HttpService) -> tuple[str, ...]:
    """GET paths without parameters from an OpenAPI document the service publishes, if any.

    Device APIs built on common frameworks publish one; its routes are better probes than any
    list of guesses. Only the service's own paths are used.
    """
    for doc_path in OPENAPI_PATHS:
        resp = svc.get(doc_path)
        if resp is None or resp.status != 200:
            continue
        try:
            doc = json.loads(resp.body)
        except ValueError:
            continue
        paths = doc.get("paths") if isinstance(doc, dict) else None
        if not isinstance(paths, dict):
            continue
        found = [
            p
            for p, ops in paths.items()
            if isinstance(p, str)
            and p.startswith("/")
            and "{" not in p
            and isinstance(ops, dict)
            and "get" in ops
        ]
        return tuple(found[:MAX_DISCOVERED])
    return ()


def find_login(svc: HttpService, api_paths: tuple[str, ...]) -> LoginSurface | None:
    """The first login the service asks for at ``/``, ``/login`` or one of ``api_paths``."""
    for path in ("/", "/login", *api_paths):
        resp = svc.get(path)
        if resp is None:
            continue
        if resp.status == 401:
            scheme = resp.header("www-authenticate").split(" ", 1)[0].lower()
            if scheme in ("basic", "digest"):
                return LoginSurface(scheme, path)
        if 200 <= resp.status < 300 and path in ("/", "/login"):
            form = find_login_form(resp.body.decode("utf-8", "replace"))
            if form is not None:
                return LoginSurface("form", path, form)
    return None


def try_login(svc: HttpService, surface: LoginSurface, user: str, password: str) -> bool | None:
    """True when the pair got in, False when refused, None when the service did not answer."""
    if surface.kind == "basic":
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        resp = svc.request("GET", surface.path, headers={"Authorization": f"Basic {token}"})
        return None if resp is None else 200 <= resp.status < 300
    if surface.kind != "form" or surface.form is None:
        return None
    form = surface.form
    target = urlsplit(urljoin(surface.path, form.action or surface.path))
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    fields = dict(form.hidden)
    if form.user_field:
        fields[form.user_field] = user
    fields[form.password_field] = password
    body = urlencode(fields).encode()
    if form.method == "GET":
        resp = svc.get(f"{target.path or '/'}?{body.decode()}")
    else:
        resp = svc.request(
            "POST", path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body
        )
    if resp is None:
        return None
    if resp.status >= 400:
        return False
    if 300 <= resp.status < 400:
        loc = resp.header("location").lower()
        return "login" not in loc and "error" not in loc and "fail" not in loc
    text = resp.body.decode("utf-8", "replace")
    return find_login_form(text) is None and not _FAILED_LOGIN.search(resp.body)

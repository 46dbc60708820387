"""Finding and trying the login of an HTTP(S) service: basic authentication or an HTML form.

Shared by the default-credential and the cleartext checks. Only paths on the assessed host are
requested, whatever a form's ``action`` says.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlencode, urljoin, urlsplit

from securable.assess.netclients import LoginForm, find_login_form
from securable.assess.targets.host import HttpResponse, LiveHost, ServiceInfo

_FAILED_LOGIN = re.compile(rb"invalid|incorrect|failed|wrong|denied", re.IGNORECASE)


def api_paths(host: LiveHost) -> tuple[str, ...]:
    if host.http_paths is not None:
        return host.http_paths
    text = (resources.files("securable.assess.data") / "net_http_api_paths.txt").read_text(encoding="utf-8")
    return tuple(ln.strip() for ln in text.splitlines() if ln.strip().startswith("/"))


OPENAPI_PATHS = ("/openapi.json", "/api/openapi.json", "/swagger.json")
MAX_DISCOVERED = 50


def discovered_paths(host: LiveHost, svc: ServiceInfo) -> tuple[str, ...]:
    """GET paths without parameters from an OpenAPI document the service publishes, if any.

    Device APIs built on common frameworks publish one; its routes are better probes than any
    list of guesses. Only the service's own paths are used.
    """

    def compute() -> tuple[str, ...]:
        for doc_path in OPENAPI_PATHS:
            resp = _get(host, svc, doc_path)
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

    return host.memo(f"openapi:{svc.port}", compute)


def probe_paths(host: LiveHost, svc: ServiceInfo) -> tuple[str, ...]:
    """The listed API paths plus those the service's OpenAPI document names, without repeats."""
    return tuple(dict.fromkeys([*api_paths(host), *discovered_paths(host, svc)]))


@dataclass(frozen=True)
class LoginSurface:
    kind: str  # "basic" | "digest" | "form"
    path: str
    form: LoginForm | None = None


def _get(host: LiveHost, svc: ServiceInfo, path: str) -> HttpResponse | None:
    return host.probe.http(host.address, svc.port, "GET", path, tls=svc.tls)


def discover_login(host: LiveHost, svc: ServiceInfo) -> LoginSurface | None:
    """The first login the service asks for at ``/``, ``/login`` or a probed API path."""

    def compute() -> LoginSurface | None:
        for path in ("/", "/login", *api_paths(host)):
            resp = _get(host, svc, path)
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

    return host.memo(f"http-login:{svc.port}", compute)


def try_login(
    host: LiveHost, svc: ServiceInfo, surface: LoginSurface, user: str, password: str
) -> bool | None:
    """True when the pair got in, False when refused, None when the service did not answer."""
    if surface.kind == "basic":
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        resp = host.probe.http(
            host.address,
            svc.port,
            "GET",
            surface.path,
            tls=svc.tls,
            headers={"Authorization": f"Basic {token}"},
        )
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
        resp = host.probe.http(
            host.address, svc.port, "GET", f"{target.path or '/'}?{body.decode()}", tls=svc.tls
        )
    else:
        resp = host.probe.http(
            host.address,
            svc.port,
            "POST",
            path,
            tls=svc.tls,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=body,
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

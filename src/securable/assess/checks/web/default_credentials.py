"""``web.default-credentials``: no well-known default credentials open the backend's login."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from securable.assess.check import Remediation
from securable.assess.checks.web._common import WebCheck
from securable.assess.credentials import load_default_credentials
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.netclients import find_login_form
from securable.assess.targets.host.http_login import HttpService, LoginSurface, try_login
from securable.assess.targets.host.probe import HttpResponse
from securable.assess.targets.web import Fetcher, WebSite

LOGIN_PAGES = ("/", "/login", "/admin/login", "/signin", "/admin")


class SiteHttp:
    """The live checks' HTTP seam (:class:`~securable.assess.targets.host.probe.HttpProbe`) over
    one site's bounded fetcher, so the live login discovery and attempt code is reused as is.
    Address, port and scheme are the site's; redirects are not followed (a login's redirect is
    its answer)."""

    def __init__(self, site: WebSite) -> None:
        self.site = site
        # Its own client and cookie jar: a session a default password opens never reaches the
        # other checks' requests (the API check must stay unauthenticated).
        self.fetcher = Fetcher(site.url, site.limits)

    def http(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        tls: bool,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None:
        resp = self.fetcher.request(path, method=method, headers=headers, body=body, follow=False)
        if resp.status == 0:
            return None
        return HttpResponse(resp.status, dict(resp.headers), resp.body)


def find_surface(svc: HttpService, paths: tuple[str, ...]) -> LoginSurface | None:
    """The first login the site asks for: HTTP Basic/Digest on a private path, or a form page."""
    for path in (*paths, *LOGIN_PAGES):
        resp = svc.get(path)
        if resp is None:
            continue
        if resp.status == 401:
            scheme = resp.header("www-authenticate").split(" ", 1)[0].lower()
            if scheme in ("basic", "digest"):
                return LoginSurface(scheme, path)
        if 200 <= resp.status < 300:
            form = find_login_form(resp.body.decode("utf-8", "replace"))
            if form is not None:
                return LoginSurface("form", path, form)
    return None


class WebDefaultCredentialsCheck(WebCheck):
    """The backend's login (HTTP Basic on a declared private path, or a login form) refuses the
    shipped list of well-known default credentials (``assess/data/default_credentials.txt``, the
    same list and order as the firmware and live-device checks), at most
    ``WebLimits.login_attempts`` pairs (default 10) so an account lockout is not triggered.

    Default credentials on an internet-facing backend are found by scanners within hours. A
    backend without any login the probe can find is ``inconclusive``. Fix a failure by removing
    the default account or forcing a unique password at provisioning.
    """

    id = "web.default-credentials"
    title = "No default credentials on the backend"
    severity = Severity.CRITICAL
    parallel = False  # login attempts one at a time, after the other checks
    remediation = Remediation(
        summary="Remove default accounts from the backend; create each administrator with a unique "
        "password at provisioning.",
        example="securable portal create-admin alice   # asks for a password; no built-in account",
        references=("nistir8425:IAC-1b", "en303645:5.1-1", "cra:I.2.d"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        seam = SiteHttp(site)
        try:
            yield from self._attempts(site, HttpService(seam, site.host, site.port, site.tls))
        finally:
            seam.fetcher.close()

    def _attempts(self, site: WebSite, svc: HttpService) -> Iterator[Finding]:
        surface = find_surface(svc, site.auth_paths)
        if surface is None:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{site.url}: no login found (HTTP Basic/Digest on the declared paths, or a form at "
                f"{', '.join(LOGIN_PAGES)})",
                location=site.location(),
            )
            return
        pairs = load_default_credentials()[: site.limits.login_attempts]
        loc = site.location(surface.path)
        evidence: dict[str, object] = {"login": surface.kind, "path": surface.path, "budget": len(pairs)}
        if not pairs:
            yield self.finding(Verdict.INCONCLUSIVE, "no default-credential list is installed", location=loc)
            return
        tried = 0
        for user, password in pairs:
            got_in = try_login(svc, surface, user, password)
            if got_in is None:
                continue
            tried += 1
            if got_in:
                yield self.finding(
                    Verdict.FAIL,
                    f"{site.url}{surface.path}: the default credentials "
                    f"{user!r}/{'*' * len(password) or '(empty)'} "
                    f"get in ({surface.kind} login)",
                    location=loc,
                    evidence={**evidence, "user": user, "tried": tried},
                )
                return
        if tried == 0:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{site.url}{surface.path}: the login never answered",
                location=loc,
                evidence=evidence,
            )
            return
        yield self.finding(
            Verdict.PASS,
            f"{site.url}{surface.path}: none of {tried} well-known default credentials got in "
            f"({surface.kind} login)",
            location=loc,
            evidence={**evidence, "tried": tried},
        )

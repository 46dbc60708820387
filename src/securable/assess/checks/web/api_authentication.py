"""``web.api-authentication``: the API paths the declaration lists refuse unauthenticated requests."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.web._common import WebCheck, why_not
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.web import WebSite, same_host

_LOGINISH = ("login", "signin", "sign-in", "auth", "sso")


class ApiAuthenticationCheck(WebCheck):
    """Each path the declaration lists under ``web.backends[].auth_paths`` answers a request
    without credentials with 401 or 403 (or a redirect to a login on the same host), never with
    the data.

    An API that serves customer or device data to anyone who asks is the most common backend
    flaw, and the manufacturer knows which paths must be private: the declaration names them, so
    no guessing is involved. A path that is not served (404) or refuses the method is
    ``inconclusive``. Fix a failure by putting the path behind the authentication dependency or
    middleware the other private paths use.
    """

    id = "web.api-authentication"
    title = "Declared API paths require authentication"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Require authentication on every private API path; answer 401 without credentials.",
        example="# FastAPI\n@app.get('/api/v1/devices', dependencies=[Depends(require_token)])",
        references=("nistir8425:IAC-1b", "en303645:5.5-4", "cra:I.2.d"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        if not site.auth_paths:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{site.url}: the declaration lists no API paths that need authentication "
                "(web.backends[].auth_paths)",
                location=Location(field="web.backends"),
            )
            return
        for path in site.auth_paths:
            resp = site.get(path, follow=False)
            loc = site.location(resp.path)
            evidence = {"path": path, "status": resp.status, "location": resp.header("location")}
            target = resp.header("location").lower()
            if resp.status in (401, 403):
                yield self.finding(
                    Verdict.PASS,
                    f"{path} refuses a request without credentials (HTTP {resp.status})",
                    location=loc,
                    evidence=evidence,
                )
            elif 300 <= resp.status < 400 and any(w in target for w in _LOGINISH):
                verdict = (
                    Verdict.PASS if same_host(site.fetcher.url(target), site.url) else Verdict.INCONCLUSIVE
                )
                yield self.finding(
                    verdict,
                    f"{path} redirects a request without credentials to a login ({target})",
                    location=loc,
                    evidence=evidence,
                )
            elif 200 <= resp.status < 300:
                yield self.finding(
                    Verdict.FAIL,
                    f"{path} answers HTTP {resp.status} with {len(resp.body)} bytes to a request "
                    "without credentials",
                    location=loc,
                    evidence={**evidence, "excerpt": resp.text[:200]},
                )
            else:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{path}: {why_not(resp)} to a request without credentials; "
                    "cannot tell whether it is protected",
                    location=loc,
                    evidence=evidence,
                )

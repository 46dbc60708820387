"""``web.security-headers``: HSTS and the protective response headers are set."""

from __future__ import annotations

import re
from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.web._common import WebCheck, why_not
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.web import WebResponse, WebSite

MIN_HSTS_SECONDS = 15_552_000  # 180 days: shorter lets a downgrade succeed after a short absence
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def header_problems(resp: WebResponse, tls: bool) -> list[str]:
    """What is missing or weak among HSTS (https only), ``nosniff`` and framing protection."""
    problems: list[str] = []
    if tls:
        hsts = resp.header("strict-transport-security")
        match = _MAX_AGE.search(hsts)
        if not hsts:
            problems.append("no Strict-Transport-Security")
        elif match is None or int(match.group(1)) < MIN_HSTS_SECONDS:
            problems.append(f"Strict-Transport-Security max-age below {MIN_HSTS_SECONDS} s ({hsts!r})")
    if resp.header("x-content-type-options").strip().lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    csp = resp.header("content-security-policy").lower()
    if not resp.header("x-frame-options") and "frame-ancestors" not in csp:
        problems.append("no X-Frame-Options or CSP frame-ancestors (the pages can be framed)")
    return problems


class SecurityHeadersCheck(WebCheck):
    """The backend's answers (its base URL and an error page) carry ``Strict-Transport-Security``
    with a max-age of at least 180 days (on https), ``X-Content-Type-Options: nosniff``, and
    framing protection (``X-Frame-Options`` or a CSP ``frame-ancestors``).

    HSTS keeps browsers and web views from ever talking plain http to the backend again, so a
    network attacker cannot strip TLS; ``nosniff`` and framing protection close the content-type
    confusion and clickjacking routes into a logged-in session. Error pages are included because
    middleware that skips them is common. Fix a failure by setting the headers in one middleware
    for every response (the portal's ``SecurityHeaders`` is an example).
    """

    id = "web.security-headers"
    title = "HSTS and security headers are set"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Add Strict-Transport-Security (max-age=31536000), X-Content-Type-Options: nosniff and "
        "X-Frame-Options: DENY (or CSP frame-ancestors) to every response, errors included.",
        example="Strict-Transport-Security: max-age=31536000\nX-Content-Type-Options: nosniff\n"
        "X-Frame-Options: DENY",
        references=("nistir8425:DP-3", "en303645:5.5-1", "RFC 6797"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        answers = [("base URL", site.home), ("error page", site.not_found)]
        answered = [(what, r) for what, r in answers if r.status]
        if not answered:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{site.url}: no HTTP answer to look at ({why_not(site.home)})",
                location=site.location(),
            )
            return
        problems: dict[str, list[str]] = {}
        for what, resp in answered:
            found = header_problems(resp, site.tls)
            if found:
                problems[f"{what} ({resp.path}, HTTP {resp.status})"] = found
        evidence = {
            "checked": [f"{what} {r.path} HTTP {r.status}" for what, r in answered],
            "problems": problems,
            "headers": {
                name: site.home.header(name)
                for name in (
                    "strict-transport-security",
                    "x-content-type-options",
                    "x-frame-options",
                    "content-security-policy",
                    "referrer-policy",
                )
                if site.home.header(name)
            },
        }
        if problems:
            text = "; ".join(f"{where}: {', '.join(p)}" for where, p in problems.items())
            yield self.finding(
                Verdict.FAIL, f"{site.url}: {text}", location=site.location(), evidence=evidence
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"{site.url}: HSTS and security headers set on {len(answered)} answer(s)",
                location=site.location(),
                evidence=evidence,
            )

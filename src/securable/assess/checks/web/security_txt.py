"""``web.security-txt``: the site publishes a valid RFC 9116 ``security.txt``."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.web._common import BACKEND, PRESENCE, WebCheck, why_not
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.web import WebSite
from securable.assess.targets.web.site import SECURITY_TXT


class SecurityTxtCheck(WebCheck):
    """The site serves ``/.well-known/security.txt`` as RFC 9116 defines it: at least one
    ``Contact``, exactly one ``Expires`` in the future and less than a year ahead, ``Canonical``
    (when given) naming the URL it was fetched from, https URIs only, served over https.

    security.txt is where a researcher who found a vulnerability looks first for the place to
    report it; a missing or expired file sends reports nowhere. An OpenPGP-signed file is
    unwrapped and judged the same way; its signature is verified only when the manufacturer's
    public key is given (``--openpgp-key``) and the evidence says whether it was. Fix a failure by
    publishing the file and renewing ``Expires`` (the portal generates it with a rolling date).
    """

    id = "web.security-txt"
    title = "security.txt is published and valid (RFC 9116)"
    severity = Severity.MEDIUM
    roles = frozenset({PRESENCE, BACKEND})
    remediation = Remediation(
        summary="Serve /.well-known/security.txt over https with Contact, an Expires date less than a "
        "year ahead, and Canonical naming its own URL; renew it before it expires.",
        example="Contact: mailto:security@example.com\nContact: https://example.com/report\n"
        "Expires: 2027-06-30T00:00:00Z\nPolicy: https://example.com/security/policy\n"
        "Canonical: https://example.com/.well-known/security.txt",
        references=("nistir8425:IQR-1a", "en303645:5.2-1", "RFC 9116"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        resp = site.security_txt_response
        loc = site.location(SECURITY_TXT)
        txt = site.security_txt
        if txt is None:
            yield self.finding(
                Verdict.FAIL,
                f"{site.fetcher.url(SECURITY_TXT)} is not published ({why_not(resp)})",
                location=loc,
                evidence={"url": resp.url, "status": resp.status, "offsite": resp.offsite},
            )
            return
        evidence = txt.describe()
        ctype = resp.header("content-type").lower()
        if not ctype.startswith("text/plain"):
            evidence["content_type"] = ctype
            txt_problems = [*txt.problems, f"served as {ctype or 'no content type'}, not text/plain"]
        else:
            txt_problems = list(txt.problems)
        evidence["problems"] = txt_problems
        if txt_problems:
            yield self.finding(
                Verdict.FAIL,
                f"{txt.url}: {'; '.join(txt_problems)}",
                location=loc,
                evidence=evidence,
            )
            return
        signed = f", OpenPGP-signed ({txt.signature})" if txt.signed else ""
        yield self.finding(
            Verdict.PASS,
            f"{txt.url} is valid: {len(txt.values('contact'))} contact(s), expires "
            f"{txt.expires.date().isoformat() if txt.expires else '?'}{signed}",
            location=loc,
            evidence=evidence,
        )

"""``web.disclosure-policy``: the vulnerability disclosure policy is published and reachable."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.web._common import PRESENCE, WebCheck, why_not
from securable.assess.model import Finding, Location, Severity, TargetKind, Verdict
from securable.assess.targets.web import WebSite, same_host

MIN_POLICY_CHARS = 200  # shorter than a paragraph is a placeholder, not a policy


class DisclosurePolicyCheck(WebCheck):
    """The coordinated vulnerability disclosure policy that security.txt names (``Policy:``), or
    else the declaration's ``disclosure.policy_url``, answers with a page of real content.

    A contact without a policy leaves a reporter guessing what happens to the report, how long
    it takes, and whether they are safe reporting it. Only policy URLs on the site's own host are
    requested (a security.txt could otherwise send the assessment anywhere); one elsewhere is
    ``inconclusive``. Fix a failure by publishing the policy and naming it in security.txt.
    """

    id = "web.disclosure-policy"
    title = "The disclosure policy is published and reachable"
    severity = Severity.MEDIUM
    roles = frozenset({PRESENCE})
    remediation = Remediation(
        summary="Publish the coordinated vulnerability disclosure policy on your site and name it in "
        "security.txt with a Policy: line.",
        example="Policy: https://example.com/security/disclosure-policy",
        references=("nistir8425:DOC-1g", "nistir8425:IQR-1a", "en303645:5.2-1"),
    )

    def _declared(self) -> str:
        decl = None if self.context is None else self.context.targets.get(TargetKind.DECLARATION)
        if decl is None:
            return ""
        value = decl.section("disclosure").get("policy_url", "")
        return value if isinstance(value, str) and value.startswith(("http://", "https://")) else ""

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        txt = site.security_txt
        named = txt.values("policy") if txt is not None else []
        declared = self._declared()
        candidates = named or ([declared] if declared else [])
        if not candidates:
            yield self.finding(
                Verdict.FAIL,
                f"{site.url}: no disclosure policy is named (no Policy: in security.txt, "
                "no disclosure.policy_url in the declaration)",
                location=site.location("/.well-known/security.txt"),
                evidence={"security_txt": txt is not None},
            )
            return
        source = "security.txt Policy" if named else "declaration disclosure.policy_url"
        for url in candidates:
            if not same_host(url, site.url):
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"the disclosure policy {url} ({source}) is on another host than {site.url}; not fetched",
                    location=Location(field="disclosure.policy_url") if not named else site.location(),
                    evidence={"policy": url, "source": source},
                )
                continue
            resp = site.get(url)
            loc = site.location(resp.path)
            words = len(resp.text.split()) if resp.ok else 0
            evidence = {"policy": url, "source": source, "status": resp.status, "bytes": len(resp.body)}
            if not resp.ok:
                yield self.finding(
                    Verdict.FAIL,
                    f"the disclosure policy {url} ({source}) cannot be read: {why_not(resp)}",
                    location=loc,
                    evidence=evidence,
                )
            elif len(resp.body) < MIN_POLICY_CHARS:
                yield self.finding(
                    Verdict.FAIL,
                    f"the disclosure policy {url} is nearly empty ({len(resp.body)} bytes)",
                    location=loc,
                    evidence=evidence,
                )
            else:
                yield self.finding(
                    Verdict.PASS,
                    f"the disclosure policy {url} ({source}) is published ({words} words)",
                    location=loc,
                    evidence=evidence,
                )

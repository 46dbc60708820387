"""``decl.disclosure``: a vulnerability-report contact and a published disclosure policy."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import DeclarationCheck, Remediation
from securable.assess.checks.declaration._common import field, is_contact, is_url
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration

_CONTACT = ("nistir8425:IQR-1a", "cra:II.6", "cra:AII.2")
_POLICY = ("en303645:5.2-1", "cra:II.5", "cra:AII.2")


class DisclosureCheck(DeclarationCheck):
    """The declaration names where vulnerability reports go (an e-mail address or a web form) and
    links the coordinated vulnerability disclosure policy.

    Why: researchers and customers need one known place to report a vulnerability; NIST IR 8425,
    EN 303 645 and the EU CRA all ask for it.
    Fix: set ``disclosure.contact`` (e.g. security@example.com) and ``disclosure.policy_url``.
    """

    id = "decl.disclosure"
    title = "Vulnerability disclosure contact and policy declared"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Name where vulnerability reports go (an e-mail address or an https form) and link "
        "the published coordinated vulnerability disclosure policy.",
        example="disclosure:\n"
        "  contact: security@example.com\n"
        "  policy_url: https://example.com/security/disclosure-policy",
        references=("nistir8425:IQR-1a", "en303645:5.2-1", "cra:II.5", "cra:II.6", "cra:AII.2"),
    )

    def run(self, target: Declaration) -> Iterable[Finding]:
        section = target.section("disclosure")
        contact = section.get("contact")
        where = field("disclosure.contact")
        if not contact:
            yield self.finding(
                Verdict.FAIL,
                "no contact for vulnerability reports is declared",
                location=where,
                requirements=_CONTACT,
            )
        elif not is_contact(contact):
            yield self.finding(
                Verdict.FAIL,
                "the vulnerability-report contact is neither an e-mail address nor an http(s) link",
                location=where,
                evidence={"contact": contact},
                requirements=_CONTACT,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"vulnerability reports go to {contact}",
                location=where,
                evidence={"contact": contact},
                requirements=_CONTACT,
            )
        policy = section.get("policy_url")
        if not is_url(policy):
            yield self.finding(
                Verdict.FAIL,
                "no published vulnerability disclosure policy is linked",
                location=field("disclosure.policy_url"),
                requirements=_POLICY,
            )
        else:
            yield self.finding(
                Verdict.MANUAL,
                "a person must read the linked disclosure policy (scope, contact, timelines)",
                location=field("disclosure.policy_url"),
                evidence={"url": policy},
                requirements=_POLICY,
            )

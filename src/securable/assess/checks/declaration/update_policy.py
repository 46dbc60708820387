"""``decl.update-policy``: how the product is kept up to date, and where customers read the terms."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import DeclarationCheck, Remediation
from securable.assess.checks.declaration._common import field, is_url
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration


class UpdatePolicyCheck(DeclarationCheck):
    """The declaration says how updates reach the product: applied automatically, or the customer is
    notified (a purely manual process fails), that updates are verified before they are applied,
    that automatic updates are on by default, and where the terms of update support are published.

    Why: NIST IR 8425 asks that the product stays current (automatic updates or consistent
    notification) and that the terms of update support are communicated; the EU CRA asks for
    automatic security updates enabled by default where applicable.
    Fix: fill ``update_policy`` (mechanism, signed, automatic_by_default, frequency, url).
    """

    id = "decl.update-policy"
    title = "Update policy declared: automatic or notified, verified, published"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Declare how updates reach the product (automatic, on by default, or the customer is "
        "notified), that they are verified before they are applied, and link the published terms.",
        example="update_policy:\n"
        "  mechanism: automatic               # automatic | notify (manual fails)\n"
        "  automatic_by_default: true\n"
        "  signed: true\n"
        "  frequency: monthly, and within 30 days for critical vulnerabilities\n"
        "  url: https://example.com/th-200/updates",
        references=("nistir8425:SU-1", "nistir8425:SU-2", "nistir8425:ID-1a", "cra:I.2.c", "en303645:5.3-4"),
    )

    def run(self, target: Declaration) -> Iterable[Finding]:
        policy = target.section("update_policy")
        mechanism = policy.get("mechanism")
        if mechanism is None:
            yield self.finding(
                Verdict.FAIL,
                "no update mechanism is declared",
                location=field("update_policy.mechanism"),
                requirements=("nistir8425:SU-2", "cra:I.2.c"),
            )
        elif mechanism == "manual":
            yield self.finding(
                Verdict.FAIL,
                "updates are neither applied automatically nor announced to the customer",
                location=field("update_policy.mechanism"),
                evidence={"mechanism": mechanism},
                requirements=("nistir8425:SU-2", "cra:I.2.c", "en303645:5.3-4"),
            )
        else:
            how = "applied automatically" if mechanism == "automatic" else "announced to the customer"
            yield self.finding(
                Verdict.PASS,
                f"updates are {how}",
                location=field("update_policy.mechanism"),
                evidence={"mechanism": mechanism},
                requirements=("nistir8425:SU-2",),
            )
            if mechanism == "automatic" and policy.get("automatic_by_default") is False:
                yield self.finding(
                    Verdict.FAIL,
                    "automatic updates are off by default",
                    location=field("update_policy.automatic_by_default"),
                    requirements=("cra:I.2.c", "en303645:5.3-4"),
                )
        if policy.get("signed") is False:
            yield self.finding(
                Verdict.FAIL,
                "the declaration says updates are not verified before they are applied",
                location=field("update_policy.signed"),
                requirements=("nistir8425:SU-1",),
            )
        url = policy.get("url")
        if is_url(url):
            yield self.finding(
                Verdict.MANUAL,
                "a person must confirm the linked page states the terms of update support",
                location=field("update_policy.url"),
                evidence={"url": url, "frequency": policy.get("frequency", ""), "review": "linked-documents"},
                requirements=("nistir8425:ID-1a",),
            )
        else:
            yield self.finding(
                Verdict.FAIL,
                "the terms of update support (frequency, mechanism) are not published at a link",
                location=field("update_policy.url"),
                requirements=("nistir8425:ID-1a",),
            )

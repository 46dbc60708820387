"""``doc.notifications``: documents say how customers learn of vulnerabilities and breaches."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class NotificationsCheck(ElementsCheck):
    """The documents say how customers will be told about new vulnerabilities (advisories, with
    mitigations) and about breaches. Whether advisories are then published is a process a
    reviewer checks (``manual``).

    Why: A customer who is never told of a flaw cannot take the mitigating step.
    Fix: Add a section on security advisories and breach notification.
    """

    id = "doc.notifications"
    title = "Documents say how customers learn of vulnerabilities and breaches"
    severity = Severity.MEDIUM
    elements = (
        "vulnerability-notices",
        "breach-notices",
    )
    remediation = Remediation(
        summary="Add a section on security advisories and breach notification.",
        example=(
            "## Security notices\n"
            "We publish security advisories at https://example.com/advisories"
            " and notify you by e-mail of any breach."
        ),
        references=(
            "nistir8425:ID-1d",
            "nistir8425:ID-1e",
        ),
    )

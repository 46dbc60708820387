"""``doc.policies``: documents state the vulnerability and secure-lifecycle policies."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class PoliciesCheck(ElementsCheck):
    """The documents state the manufacturer's vulnerability-management policy and its secure
    development and lifecycle practices. Their adequacy is a reviewer's judgement (``manual``).

    Why: These policies are what the outcome asks to be documented; without them there is
    nothing to review.
    Fix: Publish the vulnerability disclosure policy and a secure-development summary.
    """

    id = "doc.policies"
    title = "Documents state the vulnerability and secure-lifecycle policies"
    severity = Severity.MEDIUM
    elements = (
        "vulnerability-policy",
        "lifecycle-policy",
    )
    remediation = Remediation(
        summary="Publish the vulnerability disclosure policy and a secure-development summary.",
        example=(
            "## Vulnerability disclosure policy\n"
            "We acknowledge reports within 3 business days.\n"
            "## Secure development\n"
            "We follow a secure development lifecycle (NIST SP 800-218)."
        ),
        references=(
            "nistir8425:DOC-1g",
            "nistir8425:DOC-1f",
        ),
    )

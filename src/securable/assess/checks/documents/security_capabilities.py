"""``doc.security-capabilities``: documents describe the security capabilities and their use."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class SecurityCapabilitiesCheck(ElementsCheck):
    """The documents describe the product's security capabilities and how to use them. Finding them
    is mechanical; whether the description is complete and right is left to a reviewer
    (``manual``).

    Why: Capabilities the customer does not know about are not used.
    Fix: Add a security features section listing each capability and how to use it.
    """

    id = "doc.security-capabilities"
    title = "Documents describe the security capabilities and their use"
    severity = Severity.MEDIUM
    elements = ("security-capabilities",)
    remediation = Remediation(
        summary="Add a security features section listing each capability and how to use it.",
        example=(
            "## Security features\n"
            "Change the owner password in Settings > Security. The local API only accepts TLS."
        ),
        references=("nistir8425:EA-1a",),
    )

"""``doc.security-queries``: documents say where to ask security questions."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class SecurityQueriesCheck(ElementsCheck):
    """The documents tell customers where to send questions about the product's security.

    Why: Customers need somewhere to ask; the outcome asks for queries to be received and
    answered.
    Fix: Add a contact for security and privacy questions to the manual.
    """

    id = "doc.security-queries"
    title = "Documents say where to ask security questions"
    severity = Severity.MEDIUM
    elements = ("security-queries",)
    remediation = Remediation(
        summary="Add a contact for security and privacy questions to the manual.",
        example=("## Questions\nFor questions about security or privacy, contact support@example.com."),
        references=("nistir8425:IQR-1b",),
    )

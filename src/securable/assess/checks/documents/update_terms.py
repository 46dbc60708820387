"""``doc.update-terms``: documents say how updates are delivered and how often."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class UpdateTermsCheck(ElementsCheck):
    """The documents say how security updates reach the product (automatically, over the air, by
    download) and how often they are released.

    Why: The terms of support are part of what a customer is told before and after buying.
    Fix: Add an updates section giving the delivery mechanism and the release cadence.
    """

    id = "doc.update-terms"
    title = "Documents say how updates are delivered and how often"
    severity = Severity.MEDIUM
    elements = (
        "update-delivery",
        "update-frequency",
    )
    remediation = Remediation(
        summary="Add an updates section giving the delivery mechanism and the release cadence.",
        example=("## Updates\nUpdates are installed automatically over the air. We release them monthly."),
        references=("nistir8425:ID-1a",),
    )

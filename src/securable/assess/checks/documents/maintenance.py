"""``doc.maintenance``: documents state the maintenance the customer must do."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class MaintenanceCheck(ElementsCheck):
    """The documents state what maintenance the product needs from its owner (or that it needs
    none).

    Why: Maintenance a customer does not know about does not happen.
    Fix: Add a maintenance section.
    """

    id = "doc.maintenance"
    title = "Documents state the maintenance the customer must do"
    severity = Severity.MEDIUM
    elements = ("customer-maintenance",)
    remediation = Remediation(
        summary="Add a maintenance section.",
        example=(
            "## Maintenance\nYou should keep automatic updates on and check the app for notices once a month."
        ),
        references=(
            "nistir8425:ID-1c",
            "nistir8425:DOC-1e",
        ),
    )

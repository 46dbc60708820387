"""``doc.decommissioning``: documents explain reset, data deletion and disposal."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class DecommissioningCheck(ElementsCheck):
    """The documents explain how to restore factory defaults, how to delete personal data, and how
    to dispose of the device securely.

    Why: A device sold on or thrown away with its owner's data and credentials still on it
    exposes that owner.
    Fix: Add a section on factory reset, deleting personal data and disposal.
    """

    id = "doc.decommissioning"
    title = "Documents explain reset, data deletion and disposal"
    severity = Severity.MEDIUM
    elements = (
        "factory-reset",
        "data-deletion",
        "disposal",
    )
    remediation = Remediation(
        summary="Add a section on factory reset, deleting personal data and disposal.",
        example=(
            "## Reset and disposal\n"
            "A factory reset erases your personal data. Before you sell the device, factory-reset it;"
            " recycle it as electronic waste."
        ),
        references=("nistir8425:EA-1c",),
    )

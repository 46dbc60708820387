"""``doc.update-instructions``: documents tell customers how to apply updates."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class UpdateInstructionsCheck(ElementsCheck):
    """The documents tell the customer how to install or check for updates (and how to turn
    automatic updates on or off).

    Why: Keeping the product maintained over its life depends on the customer knowing how to
    update it.
    Fix: Add step-by-step update instructions to the manual.
    """

    id = "doc.update-instructions"
    title = "Documents tell customers how to apply updates"
    severity = Severity.MEDIUM
    elements = ("update-how-to",)
    remediation = Remediation(
        summary="Add step-by-step update instructions to the manual.",
        example=(
            "## Installing updates\n"
            "To install a pending update, open the app and tap Settings > Updates > Install."
        ),
        references=("nistir8425:EA-1b",),
    )

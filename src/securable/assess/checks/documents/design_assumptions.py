"""``doc.design-assumptions``: documents state the intended use and design assumptions."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class DesignAssumptionsCheck(ElementsCheck):
    """The documents state what the product is intended for and the environment it assumes
    (network, power, users). Whether those assumptions hold is a reviewer's judgement
    (``manual``).

    Why: Security decisions rest on assumptions about use; customers must know them to stay
    within them.
    Fix: Add an intended-use section to the manual.
    """

    id = "doc.design-assumptions"
    title = "Documents state the intended use and design assumptions"
    severity = Severity.MEDIUM
    elements = ("intended-use",)
    remediation = Remediation(
        summary="Add an intended-use section to the manual.",
        example=(
            "## Intended use\nThe thermostat is intended for indoor home use and needs a Wi-Fi network."
        ),
        references=("nistir8425:DOC-1a",),
    )

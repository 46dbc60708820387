"""``doc.components``: documents name the product's components, as declared."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class ComponentsCheck(ElementsCheck):
    """The documents describe the product's components, and name every component of the
    declaration's ``components`` list.

    Why: An IoT product is the device and its cloud and app parts; customers and assessors need
    to know all of them.
    Fix: Add a components section naming each declared component.
    """

    id = "doc.components"
    title = "Documents name the product's components, as declared"
    severity = Severity.MEDIUM
    elements = ("components",)
    remediation = Remediation(
        summary="Add a components section naming each declared component.",
        example=(
            "## Components\n"
            "The product consists of the thermostat, the update repository and the telemetry broker."
        ),
        references=("nistir8425:DOC-1b",),
    )

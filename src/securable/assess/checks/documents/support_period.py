"""``doc.support-period``: published end of support agrees with the declaration."""

from __future__ import annotations

from securable.assess.check import Remediation
from securable.assess.checks.documents._base import ElementsCheck
from securable.assess.model import Severity


class SupportPeriodCheck(ElementsCheck):
    """The documents state when security support ends (a date, or that the product is unsupported),
    and the date agrees with the declaration's ``support.end``.

    Why: Customers can only weigh a product's security if they know how long it will get
    updates; a published date that differs from the declared one misleads one of the two
    audiences.
    Fix: State the end date in the manual's support section, the same as ``support.end``.
    """

    id = "doc.support-period"
    title = "Published end of support agrees with the declaration"
    severity = Severity.MEDIUM
    elements = ("support-end",)
    remediation = Remediation(
        summary="State the end date in the manual's support section, the same as ``support.end``.",
        example=("## Support period\nSecurity updates are provided until 31 December 2031."),
        references=(
            "nistir8425:ID-1b",
            "nistir8425:EA-1e",
        ),
    )

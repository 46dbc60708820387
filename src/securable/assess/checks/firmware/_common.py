"""The firmware checks' shared "nothing to look at" reasons.

Bounded reading lives in :mod:`securable.assess.facts.image_io` (the facts use it too). Anything a
second check needs to *know* about the image belongs on :class:`~securable.assess.facts.FirmwareView`
as a named fact, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from securable.assess.check import NotApplicable
from securable.assess.model import AssessmentContext, Location, TargetKind

if TYPE_CHECKING:
    from securable.assess.targets.declaration import Declaration

__all__ = ["declaration_of", "no_accounts", "no_password_hashes"]


def declaration_of(context: AssessmentContext | None) -> Declaration | None:
    """The run's ``product.yaml`` when one was given: firmware checks that weigh what they find
    against the manufacturer's statement (declared ports, the end of support) read it here."""
    if context is None:
        return None
    declaration = context.targets.get(TargetKind.DECLARATION)
    return declaration if declaration is not None and hasattr(declaration, "support") else None


def no_accounts() -> NotApplicable:
    """Why an account check has nothing to look at on an image without passwd or shadow."""
    return NotApplicable(
        "the image has no /etc/passwd or /etc/shadow: no Unix password accounts to assess",
        location=Location(path="/etc/passwd"),
    )


def no_password_hashes(message: str, accounts: int) -> NotApplicable:
    """Why a password-hash check has nothing to look at: every account is locked, empty or unknown."""
    return NotApplicable(message, location=Location(path="/etc/passwd"), evidence={"accounts": accounts})

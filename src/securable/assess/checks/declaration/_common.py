"""Helpers shared by the declaration checks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from securable.assess.model import AssessmentContext, Location

# Outcomes a person reviews from documents rather than a tool from artefacts: NIST IR 8425 §2.2.2
# (DOC, IQR, ID, EA), all of NIST IR 8259B and 8259 (manufacturer activities), CRA Annex I Part II
# (vulnerability handling processes) and CRA Annex II (information for the user).
NON_TECHNICAL = re.compile(r"^(nistir8425:(DOC|IQR|ID|EA)-|nistir8259b:|nistir8259:|cra:A?II\.)")
_EMAIL = re.compile(r"^(mailto:)?[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$|^https?://localhost(:\d+)?(/\S*)?$")


def field(name: str) -> Location:
    """A finding location pointing at a ``product.yaml`` field (``support.end``)."""
    return Location(field=name)


def is_contact(value: Any) -> bool:
    """An e-mail address or an http(s) URL: somewhere a report can actually be sent."""
    return isinstance(value, str) and bool(_EMAIL.match(value.strip()) or _URL.match(value.strip()))


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value.strip()))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start``'s month to ``end``'s month."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def profile_requirements(context: AssessmentContext | None) -> tuple[str, ...]:
    """The profile's requirement IDs: the engine's list, else the profile read from the catalog.

    The engine always fills ``requirement_ids``; a caller that gave only a profile name and a
    catalog (a fixture, a notebook) gets the same list. No context, no profile: ``()``.
    """
    if context is None:
        return ()
    if context.requirement_ids:
        return tuple(context.requirement_ids)
    if context.catalog is not None and context.profile:
        return tuple(context.catalog.profile(context.profile).item_ids)
    return ()

"""``mud.json``: the product's Manufacturer Usage Description (RFC 8520), from its declaration.

Rendered from the declared components and connections (:mod:`securable.assess.mud`), not from
what was observed: a MUD file states what the manufacturer intends the device to do.
"""

from __future__ import annotations

import json

from securable.assess.assessment import Assessment
from securable.assess.mud import build_mud
from securable.errors import UsageError


def render(assessment: Assessment) -> bytes:
    declaration = getattr(assessment.product, "declaration", None)
    if declaration is None:
        raise UsageError(
            "--format mud needs the product declaration", diagnostics="add --manifest product.yaml"
        )
    mud = build_mud(declaration, now=assessment.finished)
    return (json.dumps(mud, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

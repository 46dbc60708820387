"""Assessment targets: what a check looks at.

* :class:`FirmwareImage` — a root filesystem (folder, tar archive or squashfs image), read through
  one index-backed view that keeps every path inside the image; or a vendor firmware blob opened
  through unblob, with its :class:`FirmwareMap` and one such view per root filesystem found.
* :class:`Declaration` — the manufacturer's ``product.yaml`` conformance statement.
* ``Web`` — the manufacturer's web presence and HTTP(S) backends by base URL
  (``securable.assess.targets.web``).
* ``LiveHost`` — a device on the network (``securable.assess.targets.host``), imported lazily so
  that firmware-only assessments do not load the network stack.
"""

from __future__ import annotations

import importlib
from typing import Any

from securable.assess.targets.blob import FirmwareMap
from securable.assess.targets.declaration import Declaration
from securable.assess.targets.firmware import DEFAULT_READ_LIMIT, FirmwareImage, UnpackLimits

__all__ = [
    "DEFAULT_READ_LIMIT",
    "Declaration",
    "FirmwareImage",
    "FirmwareMap",
    "UnpackLimits",
    "load_live_host_class",
]


def load_live_host_class() -> Any:
    """The ``LiveHost`` class, or None where the network target is not available in this install."""
    try:
        module = importlib.import_module("securable.assess.targets.host")
    except ImportError:
        return None
    return getattr(module, "LiveHost", None)

"""Small helpers shared by the firmware checks: redaction and the per-image cache.

Bounded reading lives in :mod:`securable.assess.facts.image_io` (the facts use it too) and is
re-exported here for the checks.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from securable.assess.check import NotApplicable
from securable.assess.facts.image_io import (
    CONFIG_LIMIT,
    MAX_LINE,
    children,
    config_lines,
    is_regular,
    is_shell,
    resolve_link,
)
from securable.assess.model import Location

__all__ = [
    "CONFIG_LIMIT",
    "MAX_LINE",
    "cached",
    "children",
    "config_lines",
    "is_regular",
    "is_shell",
    "no_accounts",
    "redact",
    "resolve_link",
]

T = TypeVar("T")
_caches: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def cached(image: Any, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per image and key (checks of one run share one image object).

    Images that cannot be weakly referenced are simply not cached. Prefer a named fact on
    :class:`~securable.assess.facts.FirmwareView` for anything a second check needs.
    """
    try:
        with _cache_lock:
            slot = _caches.setdefault(image, {})
            if key in slot:
                return slot[key]  # type: ignore[no-any-return]
    except TypeError:
        return compute()
    value = compute()
    with _cache_lock:
        slot.setdefault(key, value)
        return slot[key]  # type: ignore[no-any-return]


def redact(secret: str) -> str:
    """First four characters and the length: enough to find the secret again, not to use it."""
    return f"{secret[:4]}…({len(secret)} chars)"


def no_accounts() -> NotApplicable:
    """Why an account check has nothing to look at on an image without passwd or shadow."""
    return NotApplicable(
        "the image has no /etc/passwd or /etc/shadow: no Unix password accounts to assess",
        location=Location(path="/etc/passwd"),
    )

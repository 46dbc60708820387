"""Stages of an update and the one-method seam through which they reach the security log.

The device kit's ``securable.device.seclog.SecurityLog`` satisfies :class:`SecurityEventSink`;
so does any object with a compatible ``record`` method, which keeps this package free of a hard
dependency on the log's storage format.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol


class SecurityEventSink(Protocol):
    """Anything that records security events (``SecurityLog`` in production)."""

    def record(self, event_type: str, outcome: str, /, **details: Any) -> Any: ...


class Stage(StrEnum):
    """Update stages, in the order they happen; each one is logged as ``update.<stage>``."""

    CHECK = "check"
    OFFER = "offer"
    DOWNLOAD = "download"
    VERIFY = "verify"
    INSTALL = "install"
    SWITCH = "switch"
    BOOT = "boot"
    CONFIRM = "confirm"
    ROLLBACK = "rollback"
    POLICY = "policy"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    INFO = "info"

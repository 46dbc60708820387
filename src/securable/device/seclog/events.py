"""The vocabulary of the security log: which events a device records and how they end."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Outcome", "SecurityEvent"]


class SecurityEvent(StrEnum):
    """Security-relevant events a device logs by default (NIST IR 8259A capability 6, 8425 CSA).

    The log accepts any dotted event name (other modules add their own, e.g. ``account.created``);
    these are the ones every device is expected to produce.
    """

    AUTH_SUCCESS = "auth.success"
    AUTH_FAILURE = "auth.failure"
    ACCESS_DENIED = "access.denied"
    CONFIG_CHANGE = "config.change"
    UPDATE_CHECK = "update.check"
    UPDATE_DOWNLOAD = "update.download"
    UPDATE_VERIFY = "update.verify"
    UPDATE_INSTALL = "update.install"
    UPDATE_ROLLBACK = "update.rollback"
    RESET = "reset"
    KEY_USE = "key.use"
    KEY_CREATE = "key.create"
    KEY_DELETE = "key.delete"
    ERASE = "erase"
    LOG_EXPORT = "log.export"
    LOG_ROTATE = "log.rotate"
    LOG_RECOVER = "log.recover"
    LOG_TAMPER = "log.tamper"  # found at start-up: the records are not what the last checkpoint sealed
    INTERFACE_CHANGE = "interface.change"
    IDENTITY_ENROLL = "identity.enroll"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    INFO = "info"

"""Why an update was refused, in a form a caller (and the security log) can act on.

Every refusal is an :class:`UpdateRefusedError` carrying a :class:`RefusalReason`; the original
python-tuf exception, when there is one, is kept as ``__cause__`` so nothing is lost for
debugging. The running image is never touched by a refused update.
"""

from __future__ import annotations

from enum import StrEnum

from securable.errors import UpdateError


class RefusalReason(StrEnum):
    """The attack or fault class an update was refused for (stable strings, used in the log)."""

    SIGNATURE = "signature"  # metadata not signed by the trusted keys (arbitrary software)
    HASH = "hash"  # image bytes do not match the signed length/hashes (arbitrary software)
    METADATA_VERSION = "metadata-version"  # older or mismatched metadata (rollback, mix-and-match)
    EXPIRED = "expired"  # metadata past its expiry (freeze)
    ENDLESS_DATA = "endless-data"  # more bytes than the signed length allows
    SECURITY_VERSION = "security-version"  # image below the device's anti-rollback floor
    HARDWARE = "hardware"  # image not built for this device's hardware id
    MALFORMED = "malformed"  # release metadata missing or of the wrong shape
    REPOSITORY = "repository"  # any other metadata verification failure
    DOWNLOAD = "download"  # the repository could not be reached or answered with an error
    DISABLED = "disabled"  # updates are switched off on this device
    BUSY = "busy"  # a previous update still waits for boot confirmation


class UpdateRefusedError(UpdateError):
    """An update was refused; ``reason`` says why, the running image is untouched."""

    def __init__(self, message: str, *, reason: RefusalReason, diagnostics: str = "") -> None:
        super().__init__(message, diagnostics=diagnostics)
        self.reason = reason
        self.recorded = False  # set once the refusal reached the security log


class SlotError(UpdateError):
    """The A/B slot store is unusable (no verified image in either slot, or a corrupt slot table)."""


RECOVERY_DIAGNOSTICS = (
    "the device is in recovery: run one update round (DeviceUpdater.update) from the recovery "
    "environment to install a verified image at or above the floor, or re-flash it at a service point"
)


class BootRecoveryError(SlotError):
    """No slot holds an image that both verifies and meets the anti-rollback floor.

    The bootloader must not run anything then — falling back to a retired image would undo the
    floor, as Android Verified Boot's rollback index forbids — and enters the device maker's
    recovery environment instead (see :mod:`securable.device.update.client`).
    """

    def __init__(self, message: str, *, floor: int) -> None:
        super().__init__(message, diagnostics=RECOVERY_DIAGNOSTICS)
        self.floor = floor

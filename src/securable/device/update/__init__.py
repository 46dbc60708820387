"""Secure software update (NIST IR 8259A capability 5; IR 8425 SU-1/SU-2; EN 303 645 5.3).

Device side: :class:`DeviceUpdater` checks a TUF repository with python-tuf's ngclient against
the root shipped in the image, downloads (resumably) into the inactive slot of an A/B layout,
enforces the hardware id and an anti-rollback floor, switches atomically, and confirms or rolls
back after a health check. Manufacturer side: :class:`ReleaseRepository` builds and signs the
repository with ``tuf.api`` (offline root threshold, custom release metadata, key rotation,
hash-bin delegation); :class:`RepositoryServer` serves it on loopback for demos and tests.

The manufacturer-side names are loaded on first use (and are also exported by
:mod:`securable.device.manufacturer`), so that a device importing its updater loads neither the
repository tooling nor ``http.server``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from securable.device.update.client import (
    DeviceUpdater,
    InstallResult,
    RecoveryState,
    StagedImage,
    UpdateOffer,
)
from securable.device.update.download import RangeDownloader
from securable.device.update.errors import BootRecoveryError, RefusalReason, SlotError, UpdateRefusedError
from securable.device.update.events import Outcome, SecurityEventSink, Stage
from securable.device.update.floor import AntiRollbackFloor
from securable.device.update.policy import PolicyStore, UpdateMode, UpdatePolicy
from securable.device.update.release import Release, channel_path
from securable.device.update.slots import ABSlots, BootResult, FolderSlotBackend, SlotBackend, SlotManifest

if TYPE_CHECKING:
    from securable.device.update.repository import ReleaseRepository, RepositoryError, RepositorySettings
    from securable.device.update.server import RepositoryServer, copy_public, serve_in_thread

_MANUFACTURER_SIDE = {
    "ReleaseRepository": "securable.device.update.repository",
    "RepositoryError": "securable.device.update.repository",
    "RepositorySettings": "securable.device.update.repository",
    "RepositoryServer": "securable.device.update.server",
    "copy_public": "securable.device.update.server",
    "serve_in_thread": "securable.device.update.server",
}


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all attribute

    def __getattr__(name: str) -> Any:
        """Load a manufacturer-side name on first use (see the module docstring)."""
        module = _MANUFACTURER_SIDE.get(name)
        if module is None:
            raise AttributeError(f"module 'securable.device.update' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


#: Requirement IDs (securable catalog) this capability implements; the assessment engine and
#: declarations cite them. SU-3 (rollback) and SU-5/SU-6a (owner policy) are device-side.
REQUIREMENTS: tuple[str, ...] = (
    "nistir8259a:SU-1",
    "nistir8259a:SU-2",
    "nistir8259a:SU-3",
    "nistir8259a:SU-4",
    "nistir8259a:SU-5",
    "nistir8259a:SU-6",
    "nistir8259a:SU-6a",
    "nistir8425:SU-1",
    "nistir8425:SU-2",
    "en303645:5.3-1",
    "en303645:5.3-2",
    "en303645:5.3-4",
    "en303645:5.3-7",
    "en303645:5.3-9",
    "cra:I.2.c",
    "cra:II.7",
)

__all__ = [
    "REQUIREMENTS",
    "ABSlots",
    "AntiRollbackFloor",
    "BootRecoveryError",
    "BootResult",
    "DeviceUpdater",
    "FolderSlotBackend",
    "InstallResult",
    "Outcome",
    "PolicyStore",
    "RangeDownloader",
    "RecoveryState",
    "RefusalReason",
    "Release",
    "ReleaseRepository",
    "RepositoryError",
    "RepositoryServer",
    "RepositorySettings",
    "SecurityEventSink",
    "SlotBackend",
    "SlotError",
    "SlotManifest",
    "Stage",
    "StagedImage",
    "UpdateMode",
    "UpdateOffer",
    "UpdatePolicy",
    "UpdateRefusedError",
    "channel_path",
    "copy_public",
    "serve_in_thread",
]

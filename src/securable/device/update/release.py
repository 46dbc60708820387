"""The release facts a device needs, carried as TUF custom target metadata.

TUF proves *which bytes* the manufacturer signed; it has no notion of firmware versions,
anti-rollback counters or board compatibility. Those live in the ``custom`` field of each
image's target entry, under one ``securable`` key, so they are covered by the same signatures
as the hashes (a security version outside the signed envelope could be spliced, see MCUboot
#224 / caliptra-sw #3455)::

    "images/sensor-2.0.0.bin": {"length": ..., "hashes": {...},
        "custom": {"securable": {"kind": "image", "version": "2.0.0",
                                 "security_version": 3, "hardware_ids": ["sensor-rev-b"]}}}

A device finds its current release through a *channel* target, one per hardware id
(``channels/<hardware-id>.json``), whose custom metadata names the image path. The channel file
itself also holds that JSON so any static server can host the repository as plain files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from securable.device.update.errors import RefusalReason, UpdateRefusedError
from securable.errors import UsageError

CUSTOM_KEY = "securable"
_HARDWARE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$")


def check_hardware_id(value: str) -> str:
    """Return ``value`` when it is a usable hardware id (it becomes part of a target path)."""
    if not _HARDWARE_ID.match(value):
        raise UsageError(
            f"hardware id {value!r} is not valid",
            diagnostics="use 1-64 letters, digits, '.', '_' or '-' (e.g. sensor-rev-b)",
        )
    return value


def check_version(value: str) -> str:
    if not _VERSION.match(value):
        raise UsageError(
            f"version {value!r} is not valid",
            diagnostics="use 1-64 letters, digits, '.', '+', '_' or '-' (e.g. 2.1.0)",
        )
    return value


def channel_path(hardware_id: str) -> str:
    """The target path of the channel that points a device of ``hardware_id`` at its release."""
    return f"channels/{check_hardware_id(hardware_id)}.json"


@dataclass(frozen=True)
class Release:
    """One firmware image as signed by the manufacturer.

    Attributes:
        target_path: TUF target path of the image (``images/...``).
        version: the human/marketing version; informational, never used for ordering.
        security_version: the anti-rollback counter; a device refuses images below its floor.
        hardware_ids: boards the image is built for.
    """

    target_path: str
    version: str
    security_version: int
    hardware_ids: tuple[str, ...]

    def custom(self) -> dict[str, Any]:
        return {
            CUSTOM_KEY: {
                "kind": "image",
                "version": self.version,
                "security_version": self.security_version,
                "hardware_ids": list(self.hardware_ids),
            }
        }

    def channel_custom(self) -> dict[str, Any]:
        return {
            CUSTOM_KEY: {
                "kind": "channel",
                "image": self.target_path,
                "version": self.version,
                "security_version": self.security_version,
            }
        }

    @classmethod
    def from_custom(cls, target_path: str, custom: Any) -> Release:
        """Parse signed custom metadata; refuse (not crash) on anything of the wrong shape."""
        data = custom.get(CUSTOM_KEY) if isinstance(custom, dict) else None
        try:
            if not isinstance(data, dict) or data.get("kind") != "image":
                raise TypeError("no securable image metadata")
            version = data["version"]
            svn = data["security_version"]
            hw = data["hardware_ids"]
            if not isinstance(version, str) or type(svn) is not int or svn < 0:
                raise TypeError("bad version or security_version")
            if not isinstance(hw, list) or not all(isinstance(h, str) for h in hw):
                raise TypeError("bad hardware_ids")
        except (KeyError, TypeError) as exc:
            raise UpdateRefusedError(
                f"target {target_path!r} carries no valid release metadata ({exc})",
                reason=RefusalReason.MALFORMED,
                diagnostics="publish images with `securable update add-release`",
            ) from None
        return cls(target_path, version, svn, tuple(hw))


def channel_image_path(channel: str, custom: Any) -> str:
    """The image path a channel target points at."""
    data = custom.get(CUSTOM_KEY) if isinstance(custom, dict) else None
    image = data.get("image") if isinstance(data, dict) and data.get("kind") == "channel" else None
    if not isinstance(image, str) or not image:
        raise UpdateRefusedError(
            f"channel {channel!r} does not name an image",
            reason=RefusalReason.MALFORMED,
            diagnostics="re-publish the release with `securable update add-release`",
        )
    return image

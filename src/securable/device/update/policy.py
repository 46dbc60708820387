"""Owner-controlled update policy: updates on or off, installed automatically or only announced.

IR 8259A asks that the device's update mechanism can be configured (SU-5: enable/disable;
SU-6: automatic vs. user-approved). The policy is persisted so it survives reboots, and each
change is a security-relevant event (the updater logs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from securable.device.update._files import atomic_write_json, read_json
from securable.errors import ConfigError


class UpdateMode(StrEnum):
    AUTOMATIC = "automatic"  # download, install and switch without asking
    NOTIFY = "notify"  # check and announce; install only when the owner approves


@dataclass(frozen=True)
class UpdatePolicy:
    enabled: bool = True
    mode: UpdateMode = UpdateMode.AUTOMATIC


class PolicyStore:
    """The persisted :class:`UpdatePolicy` (secure default: enabled, automatic)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> UpdatePolicy:
        data = read_json(self.path)
        if not isinstance(data, dict):
            return UpdatePolicy()
        try:
            return UpdatePolicy(
                enabled=bool(data.get("enabled", True)), mode=UpdateMode(data.get("mode", "automatic"))
            )
        except ValueError as exc:
            raise ConfigError(
                f"update policy {self.path} is invalid ({exc})",
                diagnostics="set it again with DeviceUpdater.set_policy()",
            ) from None

    def save(self, policy: UpdatePolicy) -> None:
        atomic_write_json(self.path, {"enabled": policy.enabled, "mode": policy.mode.value})

"""The device's anti-rollback floor: the lowest security version it will ever install again.

TUF's own rollback protection covers *metadata* versions. It does not stop a repository (or a
stolen targets key) from offering an older, validly signed image with a known hole. The floor
does: every image carries a signed ``security_version``; the device refuses anything below the
floor, and raises the floor only after a new image has been confirmed healthy (so a bad update
can still fall back). The counter only moves up.

This implementation keeps the counter in a file written atomically; on hardware it belongs in
a monotonic counter (TPM NV counter, RPMB, OTP fuses) behind the same two methods.
"""

from __future__ import annotations

from pathlib import Path

from securable.device.update._files import atomic_write_json, read_json


class AntiRollbackFloor:
    """A monotonic counter stored in ``path``; starts at ``initial`` when the file is absent."""

    def __init__(self, path: Path, *, initial: int = 0) -> None:
        self.path = Path(path)
        self.initial = initial

    @property
    def value(self) -> int:
        data = read_json(self.path)
        if isinstance(data, dict) and type(data.get("security_version_floor")) is int:
            return max(int(data["security_version_floor"]), self.initial)
        return self.initial

    def raise_to(self, security_version: int) -> bool:
        """Raise the floor to ``security_version``; never lowers it. True when it moved."""
        if security_version <= self.value:
            return False
        atomic_write_json(self.path, {"security_version_floor": security_version})
        return True

    def admits(self, security_version: int) -> bool:
        return security_version >= self.value

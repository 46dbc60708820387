"""Test helpers for the security-log tests: a ticking clock and the demo's log wiring (imported)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from securable.device import _crypto
from securable.device.keystore import FileKeystore
from securable.device.seclog import SecurityLog


class Clock:
    """Starts at a fixed instant and moves one second at every reading, so records never tie."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def keystore(tmp_path: Path) -> tuple[FileKeystore, bytes]:
    """A file keystore holding the log's signing key, and that key's public PEM."""
    keys = FileKeystore(tmp_path / "keys")
    keys.generate("log")
    return keys, _crypto.public_key_to_pem(keys.public_key("log"))


def open_log(tmp_path: Path, keys: FileKeystore, clock: Clock, **kw: Any) -> SecurityLog:
    """The demo's wiring: the log signs with the keystore, and the keystore logs every signature."""
    log = SecurityLog(tmp_path / "log", keystore=keys, key_id="log", clock=clock, **kw)
    keys.attach_log(log)
    return log

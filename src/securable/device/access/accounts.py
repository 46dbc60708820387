"""The device's local accounts: one JSON file, written atomically and readable by its owner only.

Why a file and not a database: a device has a handful of accounts, and an atomic
write-then-rename keeps the file whole across a power cut. Only argon2id hashes are stored —
never a password — and the file is created 0600.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from securable.device._atomic import atomic_write
from securable.errors import ConfigError

__all__ = ["Account", "AccountStore"]

_SCHEMA = "securable/accounts/v1"


@dataclass(frozen=True)
class Account:
    """One local account. ``role`` is a role value (``owner``, ``user``, ``service``, ...)."""

    username: str
    role: str
    password_hash: str
    label_credential: bool = False
    """True while the account still uses the credential printed on the label (owner may change it)."""


class AccountStore:
    """Load, change and save the account file. Every change rewrites the whole file atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, Account]:
        if not self.path.exists():
            return {}
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("schema") != _SCHEMA:
                raise ValueError(f"schema is {data.get('schema')!r}, expected {_SCHEMA!r}")
            return {row["username"]: Account(**row) for row in data["accounts"]}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"account file {self.path} is damaged: {exc}",
                diagnostics="restore it from a backup, or factory-reset the device to provision anew",
            ) from exc

    def save(self, accounts: dict[str, Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {"schema": _SCHEMA, "accounts": [asdict(a) for a in accounts.values()]}, indent=2, sort_keys=True
        )
        atomic_write(self.path, body.encode("utf-8"), mode=0o600)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

"""Signed checkpoints: "the log had ``size`` records whose tree root was ``root_hash`` at ``time``".

A checkpoint is what leaves the device. A collector that keeps the last checkpoint it saw can
check, with the device's public key alone, that the next one extends it (a consistency proof)
and that a record it was sent is in it (an inclusion proof). The signed text is a fixed,
line-based encoding (in the spirit of the transparency-log "signed note" checkpoints) so that
its bytes never depend on a JSON serializer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from securable.device import _crypto
from securable.errors import SecurityLogError

__all__ = ["CHECKPOINT_ORIGIN", "Checkpoint", "Signer", "verify_checkpoint"]

CHECKPOINT_ORIGIN = "securable-seclog/v1"

Signer = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root_hash: bytes
    time: datetime
    signature: bytes | None = None
    key_id: str | None = None

    def signed_bytes(self) -> bytes:
        """The exact bytes the device key signs."""
        root = base64.b64encode(self.root_hash).decode()
        return f"{CHECKPOINT_ORIGIN}\n{self.size}\n{root}\n{self.time.isoformat()}\n".encode()

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": self.root_hash.hex(),
            "time": self.time.isoformat(),
            "signature": base64.b64encode(self.signature).decode() if self.signature else None,
            "key_id": self.key_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        try:
            sig = data.get("signature")
            return cls(
                size=int(data["size"]),
                root_hash=bytes.fromhex(data["root"]),
                time=datetime.fromisoformat(data["time"]),
                signature=base64.b64decode(sig, validate=True) if sig else None,
                key_id=data.get("key_id"),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise SecurityLogError(
                f"malformed checkpoint: {exc}",
                diagnostics="pass a checkpoint exported by SecurityLog (size, root, time, signature)",
                exit_code=2,
            ) from exc

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))


def load_public_key(public_key: _crypto.PublicKey | bytes | str) -> _crypto.PublicKey:
    if isinstance(public_key, bytes | str):
        data = public_key.encode() if isinstance(public_key, str) else public_key
        try:
            return _crypto.public_key_from_pem(data)
        except ValueError as exc:
            raise SecurityLogError(
                "the checkpoint public key is not a P-256 or Ed25519 PEM public key",
                diagnostics="export the device key with Keystore.public_key() as PEM",
                exit_code=2,
            ) from exc
    return public_key


def verify_checkpoint(checkpoint: Checkpoint, public_key: _crypto.PublicKey | bytes | str) -> bool:
    """True when ``checkpoint`` carries a valid signature by ``public_key`` (PEM or key object)."""
    if checkpoint.signature is None:
        return False
    return _crypto.verify(load_public_key(public_key), checkpoint.signature, checkpoint.signed_bytes())

"""Tamper-evident security log: RFC 6962 Merkle tree, signed checkpoints, proofs, export.

A device calls :meth:`SecurityLog.record` for every security-relevant event; a collector that
receives exported records and checkpoints verifies them with the module-level functions and the
device's public key alone (:func:`verify_checkpoint`, :func:`verify_inclusion`,
:func:`verify_consistency`, :func:`verify_export`).
"""

from __future__ import annotations

from securable.device.seclog.checkpoint import Checkpoint, verify_checkpoint
from securable.device.seclog.events import Outcome, SecurityEvent
from securable.device.seclog.export import export_json, export_syslog, send_syslog, verify_export
from securable.device.seclog.log import SecurityLog, VerifyResult, verify_log
from securable.device.seclog.merkle import leaf_hash, root_hash, verify_consistency, verify_inclusion
from securable.device.seclog.state import DeviceState, StateReport, security_state

__all__ = [
    "Checkpoint",
    "DeviceState",
    "Outcome",
    "SecurityEvent",
    "SecurityLog",
    "StateReport",
    "VerifyResult",
    "export_json",
    "export_syslog",
    "leaf_hash",
    "root_hash",
    "security_state",
    "send_syslog",
    "verify_checkpoint",
    "verify_consistency",
    "verify_export",
    "verify_inclusion",
    "verify_log",
]

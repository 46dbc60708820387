"""Build it: the reference device library, one module per NIST IR 8259A capability.

* identification — :mod:`~securable.device.identity` (IDevID/LDevID, labels, identity proofs)
  over :mod:`~securable.device.keystore` (file and PKCS#11 backends);
* configuration — :mod:`~securable.device.config` (secure defaults, authorized changes, factory reset);
* data protection — :mod:`~securable.device.protect` (vault, cryptographic erase) and
  :mod:`~securable.device.tls` (hardened TLS contexts);
* logical access to interfaces — :mod:`~securable.device.access`, :mod:`~securable.device.principal`
  and :mod:`~securable.device.interfaces`;
* software update — :mod:`~securable.device.update` (the TUF-verified A/B updater);
* cybersecurity state awareness — :mod:`~securable.device.seclog` (tamper-evident security log).

Every security-relevant action goes to the security log by default, and time is injected
(``clock=``/``now=``) so expiry, lockout and SLA behaviour are testable without sleeping. This
library runs on the device: it uses no web framework.

The manufacturer's tools — the device CA, production-line provisioning and the TUF release
repository with its server — are in :mod:`securable.device.manufacturer`, so that importing
this library loads neither the repository tooling nor ``http.server``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from securable.device.access import (
    AccessController,
    LoginThrottledError,
    PasswordPolicy,
    PasswordRejectedError,
    Session,
    ThrottlePolicy,
    generate_initial_credential,
)
from securable.device.config import (
    ConfigStore,
    DeviceSettings,
)
from securable.device.identity import (
    DeviceIdentity,
    IdentityProof,
    IdentityVerifier,
    OwnerCA,
    PhysicalLabel,
    VerifiedIdentity,
)
from securable.device.interfaces import (
    AuthMethod,
    Interface,
    InterfaceKind,
    InterfaceRegistry,
    process_listening_sockets,
)
from securable.device.keystore import (
    FileKeystore,
    KeyAlgorithm,
    Keystore,
    Pkcs11Keystore,
)
from securable.device.principal import (
    Action,
    Principal,
    Role,
    can,
)
from securable.device.protect import (
    EraseReceipt,
    RecordNotFoundError,
    Vault,
)
from securable.device.seclog import (
    Checkpoint,
    SecurityEvent,
    SecurityLog,
    VerifyResult,
    export_json,
    export_syslog,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
    verify_log,
)
from securable.device.tls import (
    ListenerProblem,
    client_context,
    identity_client_context,
    identity_server_context,
    server_context,
    unprotected_listeners,
)
from securable.device.update import (
    DeviceUpdater,
    UpdateRefusedError,
)

__all__ = [
    "AccessController",
    "Action",
    "AuthMethod",
    "Checkpoint",
    "ConfigStore",
    "DeviceIdentity",
    "DeviceSettings",
    "DeviceUpdater",
    "EraseReceipt",
    "FileKeystore",
    "IdentityProof",
    "IdentityVerifier",
    "Interface",
    "InterfaceKind",
    "InterfaceRegistry",
    "KeyAlgorithm",
    "Keystore",
    "ListenerProblem",
    "LoginThrottledError",
    "OwnerCA",
    "PasswordPolicy",
    "PasswordRejectedError",
    "PhysicalLabel",
    "Pkcs11Keystore",
    "Principal",
    "RecordNotFoundError",
    "Role",
    "SecurityEvent",
    "SecurityLog",
    "Session",
    "ThrottlePolicy",
    "UpdateRefusedError",
    "Vault",
    "VerifiedIdentity",
    "VerifyResult",
    "can",
    "client_context",
    "export_json",
    "export_syslog",
    "generate_initial_credential",
    "identity_client_context",
    "identity_server_context",
    "process_listening_sockets",
    "server_context",
    "unprotected_listeners",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
]

#: Names that moved to :mod:`securable.device.manufacturer`. Old imports keep working, with a
#: DeprecationWarning naming the new place; type checkers see only the new place.
_MOVED_TO_MANUFACTURER = frozenset({"ManufacturerCA", "ReleaseRepository", "provision_device"})

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name in _MOVED_TO_MANUFACTURER:
            from securable.device import manufacturer

            warnings.warn(
                f"securable.device.{name} moved: import it from securable.device.manufacturer",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(manufacturer, name)
        raise AttributeError(f"module 'securable.device' has no attribute {name!r}")

"""The one explicit list of every check securable runs.

Checks are registered here by hand, one import and one list entry each, grouped by target. No
check registers itself on import: what runs is exactly what this file lists, which keeps the
set reviewable and ``--list-checks`` honest.
"""

from __future__ import annotations

from collections.abc import Iterable

# declaration
from securable.assess.checks.declaration.boot_services import BootServicesDeclaredCheck
from securable.assess.checks.declaration.data_deletion import DataDeletionCheck
from securable.assess.checks.declaration.disclosure import DisclosureCheck
from securable.assess.checks.declaration.documentation import DocumentationCheck
from securable.assess.checks.declaration.identification import IdentificationCheck
from securable.assess.checks.declaration.manual_review import ManualReviewCheck
from securable.assess.checks.declaration.statements import RequirementStatementsCheck
from securable.assess.checks.declaration.support_period import SupportPeriodCheck
from securable.assess.checks.declaration.update_policy import UpdatePolicyCheck

# firmware
from securable.assess.checks.firmware.credentials_default import DefaultPasswordCheck
from securable.assess.checks.firmware.credentials_empty import EmptyPasswordCheck
from securable.assess.checks.firmware.credentials_weak_hash import WeakPasswordHashCheck
from securable.assess.checks.firmware.logging_security import SecurityLoggingCheck
from securable.assess.checks.firmware.permissions_suid import SuidProgramsCheck
from securable.assess.checks.firmware.permissions_world_writable import WorldWritableCheck
from securable.assess.checks.firmware.sbom_inventory import SbomInventoryCheck
from securable.assess.checks.firmware.sbom_vulnerabilities import KnownVulnerabilitiesCheck
from securable.assess.checks.firmware.secrets_private_keys import PrivateKeysCheck
from securable.assess.checks.firmware.secrets_ssh_host_keys import SshHostKeysCheck
from securable.assess.checks.firmware.secrets_tokens import BakedCredentialsCheck
from securable.assess.checks.firmware.services_debug import DebugServicesCheck
from securable.assess.checks.firmware.services_remote_shell import RemoteShellServicesCheck
from securable.assess.checks.firmware.services_serial_console import SerialConsoleCheck
from securable.assess.checks.firmware.ssh_authorized_keys import AuthorizedKeysCheck
from securable.assess.checks.firmware.ssh_server_config import SshServerConfigCheck
from securable.assess.checks.firmware.update_integrity import UpdateIntegrityCheck

# network
from securable.assess.checks.network.cleartext_credentials import CleartextCredentialsCheck
from securable.assess.checks.network.default_credentials import DefaultCredentialsCheck
from securable.assess.checks.network.http_unauthenticated import HttpUnauthenticatedApiCheck
from securable.assess.checks.network.mqtt_anonymous import MqttAnonymousCheck
from securable.assess.checks.network.open_ports import UndeclaredPortsCheck
from securable.assess.checks.network.service_identity import ServiceIdentityCheck
from securable.assess.checks.network.ssh_algorithms import SshAlgorithmsCheck
from securable.assess.checks.network.ssh_auth import SshAuthMethodsCheck
from securable.assess.checks.network.tls_certificate import TlsCertificateCheck
from securable.assess.checks.network.tls_ciphers import TlsWeakCiphersCheck
from securable.assess.checks.network.tls_versions import TlsVersionsCheck
from securable.assess.model import Check, TargetKind

__all__ = ["ALL_CHECKS", "check_by_id", "checks_for"]

ALL_CHECKS: tuple[type[Check], ...] = (
    # firmware
    EmptyPasswordCheck,
    DefaultPasswordCheck,
    WeakPasswordHashCheck,
    PrivateKeysCheck,
    SshHostKeysCheck,
    BakedCredentialsCheck,
    RemoteShellServicesCheck,
    DebugServicesCheck,
    SerialConsoleCheck,
    SshServerConfigCheck,
    AuthorizedKeysCheck,
    WorldWritableCheck,
    SuidProgramsCheck,
    UpdateIntegrityCheck,
    SecurityLoggingCheck,
    SbomInventoryCheck,
    KnownVulnerabilitiesCheck,
    # network
    UndeclaredPortsCheck,
    ServiceIdentityCheck,
    TlsVersionsCheck,
    TlsCertificateCheck,
    TlsWeakCiphersCheck,
    SshAlgorithmsCheck,
    SshAuthMethodsCheck,
    DefaultCredentialsCheck,
    HttpUnauthenticatedApiCheck,
    MqttAnonymousCheck,
    CleartextCredentialsCheck,
    # declaration
    SupportPeriodCheck,
    DisclosureCheck,
    DocumentationCheck,
    UpdatePolicyCheck,
    RequirementStatementsCheck,
    ManualReviewCheck,
    BootServicesDeclaredCheck,
    IdentificationCheck,
    DataDeletionCheck,
)


def checks_for(kinds: Iterable[TargetKind]) -> list[type[Check]]:
    """The registered checks whose target is one of ``kinds``, in registry order."""
    wanted = set(kinds)
    return [c for c in ALL_CHECKS if c.target in wanted]


def check_by_id(check_id: str) -> type[Check]:
    for cls in ALL_CHECKS:
        if cls.id == check_id:
            return cls
    raise KeyError(check_id)

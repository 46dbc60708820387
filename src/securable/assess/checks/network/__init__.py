"""Checks of a live device over the network (target: :class:`~securable.assess.targets.host.LiveHost`).

One module per check; every finding names ``host``, ``port`` and ``service``.
"""

from __future__ import annotations

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

__all__ = [
    "CleartextCredentialsCheck",
    "DefaultCredentialsCheck",
    "HttpUnauthenticatedApiCheck",
    "MqttAnonymousCheck",
    "ServiceIdentityCheck",
    "SshAlgorithmsCheck",
    "SshAuthMethodsCheck",
    "TlsCertificateCheck",
    "TlsVersionsCheck",
    "TlsWeakCiphersCheck",
    "UndeclaredPortsCheck",
]

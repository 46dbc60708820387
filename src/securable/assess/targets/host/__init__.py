"""The live device as an assessment target: an address, the ports to look at, and what the
manufacturer declared about its interfaces.

One module per job:

* ``address`` — which addresses this build may assess (loopback only);
* ``declared`` — the declaration's interfaces and services, in one vocabulary;
* ``probe`` — the seams: one small protocol per network protocol, :class:`ProbeSet` to assemble
  them, :class:`Silent` for the ones a test leaves out;
* ``tls_client`` and ``socket_probe`` — the real seams (sockets, ``ssl``, ``http.client``,
  paramiko, paho-mqtt, the ssh-audit program) and :class:`SocketProbe`, all of them together;
* ``identify`` — naming the service on one open port;
* ``http_login`` — finding and trying the login of an HTTP(S) service;
* ``live`` — :class:`LiveHost` and the facts several checks share, each computed once.

The target layer knows nothing of the checks: checks import from here, never the other way.
"""

from __future__ import annotations

from securable.assess.targets.host.address import HostAddressError, check_loopback
from securable.assess.targets.host.declared import (
    KEY_ONLY_AUTH,
    PASSWORD_AUTH,
    DeclaredInterface,
    declared_interfaces_from,
)
from securable.assess.targets.host.http_login import HttpService, LoginSurface
from securable.assess.targets.host.identify import SERVICE_NAMES, ServiceInfo, identify
from securable.assess.targets.host.live import DEFAULT_PORTS, HTTP_SERVICES, LiveHost
from securable.assess.targets.host.probe import (
    HttpProbe,
    HttpResponse,
    MqttOutcome,
    MqttProbe,
    PortScanner,
    Probe,
    ProbeSet,
    Silent,
    SshAuditProbe,
    SshAuthMethods,
    SshAuthProbe,
    StreamProbe,
    TelnetProbe,
    TlsHandshake,
    TlsProbe,
)
from securable.assess.targets.host.socket_probe import SocketProbe
from securable.assess.targets.host.tls_client import PERMISSIVE_CIPHERS, self_signed_identity

__all__ = [
    "DEFAULT_PORTS",
    "HTTP_SERVICES",
    "KEY_ONLY_AUTH",
    "PASSWORD_AUTH",
    "PERMISSIVE_CIPHERS",
    "SERVICE_NAMES",
    "DeclaredInterface",
    "HostAddressError",
    "HttpProbe",
    "HttpResponse",
    "HttpService",
    "LiveHost",
    "LoginSurface",
    "MqttOutcome",
    "MqttProbe",
    "PortScanner",
    "Probe",
    "ProbeSet",
    "ServiceInfo",
    "Silent",
    "SocketProbe",
    "SshAuditProbe",
    "SshAuthMethods",
    "SshAuthProbe",
    "StreamProbe",
    "TelnetProbe",
    "TlsHandshake",
    "TlsProbe",
    "check_loopback",
    "declared_interfaces_from",
    "identify",
    "self_signed_identity",
]

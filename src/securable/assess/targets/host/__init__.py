"""The live device as an assessment target: an address, the ports to look at, and what the
manufacturer declared about its interfaces.

One module per job:

* ``address`` — which addresses may be assessed (one device's unicast address or host name),
  and where the probes leave from;
* ``declared`` — the declaration's interfaces and services, in one vocabulary;
* ``probe`` — the seams: one small protocol per network protocol, :class:`ProbeSet` to assemble
  them, :class:`Silent` for the ones a test leaves out;
* ``tls_client``, ``socket_probe`` and ``udp_probe`` — the real seams (sockets, ``ssl``,
  ``http.client``, paramiko, paho-mqtt, the ssh-audit program, pysnmp, aiocoap, zeroconf) and
  :class:`SocketProbe`, all of them together;
* ``identify`` — naming the service on one open port;
* ``http_login`` — finding and trying the login of an HTTP(S) service;
* ``live`` — :class:`LiveHost` and the facts several checks share, each computed once.

The target layer knows nothing of the checks: checks import from here, never the other way.
"""

from __future__ import annotations

from securable.assess.targets.host.address import (
    HostAddressError,
    ProbeOrigin,
    ResolvedHost,
    probe_origin,
    resolve_host,
)
from securable.assess.targets.host.declared import (
    KEY_ONLY_AUTH,
    PASSWORD_AUTH,
    UDP_PROTOCOLS,
    DeclaredInterface,
    declared_interfaces_from,
)
from securable.assess.targets.host.http_login import HttpService, LoginSurface
from securable.assess.targets.host.identify import SERVICE_NAMES, ServiceInfo, identify
from securable.assess.targets.host.live import DEFAULT_PORTS, HTTP_SERVICES, TARPIT_MIN_OPEN, LiveHost
from securable.assess.targets.host.probe import (
    CoapProbe,
    CoapResponse,
    HttpProbe,
    HttpResponse,
    MdnsProbe,
    MdnsService,
    MqttOutcome,
    MqttProbe,
    PortScanner,
    Probe,
    ProbeSet,
    Silent,
    SnmpAnswer,
    SnmpProbe,
    SshAuditProbe,
    SshAuthMethods,
    SshAuthProbe,
    StreamProbe,
    TelnetProbe,
    TlsHandshake,
    TlsProbe,
    UdpProbe,
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
    "TARPIT_MIN_OPEN",
    "UDP_PROTOCOLS",
    "CoapProbe",
    "CoapResponse",
    "DeclaredInterface",
    "HostAddressError",
    "HttpProbe",
    "HttpResponse",
    "HttpService",
    "LiveHost",
    "LoginSurface",
    "MdnsProbe",
    "MdnsService",
    "MqttOutcome",
    "MqttProbe",
    "PortScanner",
    "Probe",
    "ProbeOrigin",
    "ProbeSet",
    "ResolvedHost",
    "ServiceInfo",
    "Silent",
    "SnmpAnswer",
    "SnmpProbe",
    "SocketProbe",
    "SshAuditProbe",
    "SshAuthMethods",
    "SshAuthProbe",
    "StreamProbe",
    "TelnetProbe",
    "TlsHandshake",
    "TlsProbe",
    "UdpProbe",
    "declared_interfaces_from",
    "identify",
    "probe_origin",
    "resolve_host",
    "self_signed_identity",
]

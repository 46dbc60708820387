"""The probe seams: every byte a check exchanges with the device passes one of these.

Each protocol has its own small seam — one method, two for SSH authentication — in the spirit of
python-tuf's one-method fetcher: a test that scripts TLS handshakes implements ``tls_handshake``
and nothing else, and a user who needs, say, HTTP through a proxy replaces that one seam.
:class:`ProbeSet` assembles one seam per protocol into the full :class:`Probe` that
:class:`~securable.assess.targets.host.LiveHost` holds; seams left out answer like a closed port
(:class:`Silent`). The real seams, over sockets, are in ``socket_probe`` and ``tls_client``.

Methods return None (or a refused handshake) when the port gave no usable answer: a hostile or
absent device is an ordinary outcome here, never an exception.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from securable.assess.netclients import TelnetOutcome

__all__ = [
    "CoapProbe",
    "CoapResponse",
    "HttpProbe",
    "HttpResponse",
    "MdnsProbe",
    "MdnsService",
    "MqttOutcome",
    "MqttProbe",
    "PortScanner",
    "Probe",
    "ProbeSet",
    "Silent",
    "SnmpAnswer",
    "SnmpProbe",
    "SshAuditProbe",
    "SshAuthMethods",
    "SshAuthProbe",
    "StreamProbe",
    "TelnetProbe",
    "TlsHandshake",
    "TlsProbe",
    "UdpProbe",
]


# --- what the seams return ----------------------------------------------------------------------


@dataclass(frozen=True)
class TlsHandshake:
    """What one TLS handshake attempt showed.

    ``accepted`` is true when the server completed the handshake, *or* negotiated it far enough
    to ask for a client certificate and then rejected ours (``client_auth`` is then true).
    """

    accepted: bool
    version: str | None = None
    cipher: str | None = None
    bits: int | None = None
    chain: tuple[bytes, ...] = ()  # DER, leaf first, as the server sent it
    client_auth: bool = False
    error: str | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class SshAuthMethods:
    none_accepted: bool
    methods: tuple[str, ...]


@dataclass(frozen=True)
class MqttOutcome:
    accepted: bool
    reason: str


@dataclass(frozen=True)
class SnmpAnswer:
    """One SNMP GET of sysDescr: did the agent answer with data, and if not, what it said."""

    answered: bool
    detail: str = ""  # the agent's value, or why not ("unknownUserName", "timeout", ...)


@dataclass(frozen=True)
class CoapResponse:
    code: str  # "2.05", "4.01", ...
    payload: bytes = b""
    content_format: int | None = None

    @property
    def success(self) -> bool:
        return self.code.startswith("2.")


@dataclass(frozen=True)
class MdnsService:
    """One DNS-SD service instance the device announced (RFC 6763)."""

    instance: str  # "Thermostat._http._tcp.local."
    service_type: str  # "_http._tcp.local."
    port: int | None = None
    txt: Mapping[str, str] = field(default_factory=dict)
    host: str | None = None

    @property
    def transport(self) -> str:
        return "udp" if "._udp." in self.service_type else "tcp"

    @property
    def protocol(self) -> str:
        """``_http._tcp.local.`` → ``http``."""
        return self.service_type.split(".", 1)[0].lstrip("_").lower()


# --- one seam per protocol ---------------------------------------------------------------------


@runtime_checkable
class PortScanner(Protocol):
    """Which of ``ports`` accept a TCP connection (nothing is sent)."""

    def scan(self, address: str, ports: Sequence[int]) -> list[int]: ...


@runtime_checkable
class StreamProbe(Protocol):
    """Send ``send`` (nothing: just listen) and return what the port said within ``wait``."""

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None: ...


@runtime_checkable
class TlsProbe(Protocol):
    """One TLS handshake, optionally pinned to one version and a cipher string."""

    def tls_handshake(
        self, address: str, port: int, *, version: ssl.TLSVersion | None = None, ciphers: str | None = None
    ) -> TlsHandshake: ...


@runtime_checkable
class HttpProbe(Protocol):
    """One HTTP request on a fresh connection."""

    def http(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        tls: bool,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None: ...


@runtime_checkable
class SshAuditProbe(Protocol):
    """ssh-audit's JSON report of one SSH server."""

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None: ...


@runtime_checkable
class SshAuthProbe(Protocol):
    """The SSH authentication methods offered, and one password login."""

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None: ...

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None: ...


@runtime_checkable
class MqttProbe(Protocol):
    """One MQTT CONNECT, anonymous or with a user name and password."""

    def mqtt_connect(
        self, address: str, port: int, *, tls: bool, username: str | None = None, password: str | None = None
    ) -> MqttOutcome | None: ...


@runtime_checkable
class TelnetProbe(Protocol):
    """One login on a telnet-style service."""

    def telnet_login(self, address: str, port: int, username: str, password: str) -> TelnetOutcome | None: ...


@runtime_checkable
class UdpProbe(Protocol):
    """UDP: each port's state (``open`` | ``open|filtered`` | ``closed``), and one exchange."""

    def udp_scan(self, address: str, ports: Sequence[int]) -> Mapping[int, str]: ...

    def udp_exchange(self, address: str, port: int, send: bytes, *, wait: float = 1.0) -> bytes | None: ...


@runtime_checkable
class SnmpProbe(Protocol):
    """One SNMP GET of sysDescr: v1/v2c with a community, or v3 noAuthNoPriv with a user name."""

    def snmp_get(
        self, address: str, port: int, *, version: str, community: str | None = None, user: str | None = None
    ) -> SnmpAnswer | None: ...


@runtime_checkable
class CoapProbe(Protocol):
    """One CoAP request over plain UDP (no DTLS, no OSCORE)."""

    def coap_request(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        payload: bytes = b"",
        if_match: bytes | None = None,
    ) -> CoapResponse | None: ...


@runtime_checkable
class MdnsProbe(Protocol):
    """DNS-SD service instances the device announces, asked by unicast on its mDNS port."""

    def mdns_services(self, address: str, port: int = 5353) -> Sequence[MdnsService] | None: ...


@runtime_checkable
class Probe(
    PortScanner,
    StreamProbe,
    TlsProbe,
    HttpProbe,
    SshAuditProbe,
    SshAuthProbe,
    MqttProbe,
    TelnetProbe,
    UdpProbe,
    SnmpProbe,
    CoapProbe,
    MdnsProbe,
    Protocol,
):
    """Every exchange with the device: all seams in one object (what ``LiveHost.probe`` is)."""


# --- assembling seams ---------------------------------------------------------------------------


class Silent:
    """Every seam, answering like a device whose ports are all closed."""

    def scan(self, address: str, ports: Sequence[int]) -> list[int]:
        return []

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None:
        return None

    def tls_handshake(
        self, address: str, port: int, *, version: ssl.TLSVersion | None = None, ciphers: str | None = None
    ) -> TlsHandshake:
        return TlsHandshake(accepted=False, error="connect:closed")

    def http(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        tls: bool,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None:
        return None

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None:
        return None

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None:
        return None

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None:
        return None

    def mqtt_connect(
        self, address: str, port: int, *, tls: bool, username: str | None = None, password: str | None = None
    ) -> MqttOutcome | None:
        return None

    def telnet_login(self, address: str, port: int, username: str, password: str) -> TelnetOutcome | None:
        return None

    def udp_scan(self, address: str, ports: Sequence[int]) -> Mapping[int, str]:
        return {}

    def udp_exchange(self, address: str, port: int, send: bytes, *, wait: float = 1.0) -> bytes | None:
        return None

    def snmp_get(
        self, address: str, port: int, *, version: str, community: str | None = None, user: str | None = None
    ) -> SnmpAnswer | None:
        return None

    def coap_request(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        payload: bytes = b"",
        if_match: bytes | None = None,
    ) -> CoapResponse | None:
        return None

    def mdns_services(self, address: str, port: int = 5353) -> Sequence[MdnsService] | None:
        return None


_SILENT = Silent()


class ProbeSet:
    """A :class:`Probe` made of one seam per protocol; a seam not given is :class:`Silent`.

    ``ProbeSet(scanner=..., tls=...)`` is how a test scripts exactly the protocols a check uses;
    :class:`~securable.assess.targets.host.SocketProbe` is the ProbeSet of the real seams.
    """

    def __init__(
        self,
        *,
        scanner: PortScanner = _SILENT,
        stream: StreamProbe = _SILENT,
        tls: TlsProbe = _SILENT,
        http: HttpProbe = _SILENT,
        ssh_audit: SshAuditProbe = _SILENT,
        ssh_auth: SshAuthProbe = _SILENT,
        mqtt: MqttProbe = _SILENT,
        telnet: TelnetProbe = _SILENT,
        udp: UdpProbe = _SILENT,
        snmp: SnmpProbe = _SILENT,
        coap: CoapProbe = _SILENT,
        mdns: MdnsProbe = _SILENT,
    ) -> None:
        self._scanner = scanner
        self._stream = stream
        self._tls = tls
        self._http = http
        self._ssh_audit = ssh_audit
        self._ssh_auth = ssh_auth
        self._mqtt = mqtt
        self._telnet = telnet
        self._udp = udp
        self._snmp = snmp
        self._coap = coap
        self._mdns = mdns

    def scan(self, address: str, ports: Sequence[int]) -> list[int]:
        return self._scanner.scan(address, ports)

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None:
        return self._stream.exchange(address, port, send, tls=tls, wait=wait)

    def tls_handshake(
        self, address: str, port: int, *, version: ssl.TLSVersion | None = None, ciphers: str | None = None
    ) -> TlsHandshake:
        return self._tls.tls_handshake(address, port, version=version, ciphers=ciphers)

    def http(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        tls: bool,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None:
        return self._http.http(address, port, method, path, tls=tls, headers=headers, body=body)

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None:
        return self._ssh_audit.ssh_audit(address, port)

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None:
        return self._ssh_auth.ssh_auth_methods(address, port, username)

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None:
        return self._ssh_auth.ssh_login(address, port, username, password)

    def mqtt_connect(
        self, address: str, port: int, *, tls: bool, username: str | None = None, password: str | None = None
    ) -> MqttOutcome | None:
        return self._mqtt.mqtt_connect(address, port, tls=tls, username=username, password=password)

    def telnet_login(self, address: str, port: int, username: str, password: str) -> TelnetOutcome | None:
        return self._telnet.telnet_login(address, port, username, password)

    def udp_scan(self, address: str, ports: Sequence[int]) -> Mapping[int, str]:
        return self._udp.udp_scan(address, ports)

    def udp_exchange(self, address: str, port: int, send: bytes, *, wait: float = 1.0) -> bytes | None:
        return self._udp.udp_exchange(address, port, send, wait=wait)

    def snmp_get(
        self, address: str, port: int, *, version: str, community: str | None = None, user: str | None = None
    ) -> SnmpAnswer | None:
        return self._snmp.snmp_get(address, port, version=version, community=community, user=user)

    def coap_request(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        payload: bytes = b"",
        if_match: bytes | None = None,
    ) -> CoapResponse | None:
        return self._coap.coap_request(address, port, method, path, payload=payload, if_match=if_match)

    def mdns_services(self, address: str, port: int = 5353) -> Sequence[MdnsService] | None:
        return self._mdns.mdns_services(address, port)

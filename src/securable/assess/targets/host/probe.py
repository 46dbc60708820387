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
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from securable.assess.netclients import TelnetOutcome

__all__ = [
    "HttpProbe",
    "HttpResponse",
    "MqttOutcome",
    "MqttProbe",
    "PortScanner",
    "Probe",
    "ProbeSet",
    "Silent",
    "SshAuditProbe",
    "SshAuthMethods",
    "SshAuthProbe",
    "StreamProbe",
    "TelnetProbe",
    "TlsHandshake",
    "TlsProbe",
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
class Probe(
    PortScanner,
    StreamProbe,
    TlsProbe,
    HttpProbe,
    SshAuditProbe,
    SshAuthProbe,
    MqttProbe,
    TelnetProbe,
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
    ) -> None:
        self._scanner = scanner
        self._stream = stream
        self._tls = tls
        self._http = http
        self._ssh_audit = ssh_audit
        self._ssh_auth = ssh_auth
        self._mqtt = mqtt
        self._telnet = telnet

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

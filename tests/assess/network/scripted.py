"""Scripted probe seams: one small class per protocol, assembled with ``ProbeSet``.

A test or a fixture ``case.py`` scripts exactly the protocols the check under test uses; every
seam it leaves out answers like a closed port (``Silent``). No sockets, no sleeping — and every
check scripted here is also tested against a real peer (sshd, mosquitto, TLS and HTTP servers on
127.0.0.1, see ``peers.py``).
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from securable.assess.netclients import TelnetOutcome, mqtt_connect_packet
from securable.assess.targets.host import (
    CoapResponse,
    HttpResponse,
    LiveHost,
    MdnsService,
    MqttOutcome,
    ProbeSet,
    SnmpAnswer,
    SshAuthMethods,
    TlsHandshake,
)

ADDRESS = "127.0.0.1"
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
TELNET_BANNER = b"\xff\xfb\x01\xff\xfb\x03device login: "
CONNACK_OK = b"\x20\x02\x00\x00"
CONNACK_NOT_AUTHORIZED = b"\x20\x02\x00\x05"


@dataclass
class Ports:
    """The scanner seam: these ports are open."""

    open: set[int]
    calls: int = 0

    def scan(self, address: str, ports: Sequence[int]) -> list[int]:
        self.calls += 1
        return sorted(self.open & set(ports))


@dataclass
class Banners:
    """The stream seam: what each port says first, and replies to bytes sent. Silent otherwise."""

    banners: dict[int, bytes] = field(default_factory=dict)
    replies: dict[tuple[int, bytes], bytes] = field(default_factory=dict)

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None:
        return self.replies.get((port, send), b"") if send else self.banners.get(port, b"")


def mqtt_broker(port: int, connack: bytes = CONNACK_OK) -> Banners:
    """A stream seam under which ``port`` answers an MQTT CONNECT (identified as MQTT)."""
    return Banners(replies={(port, mqtt_connect_packet()): connack})


TlsAnswer = TlsHandshake | Callable[[ssl.TLSVersion | None, str | None], TlsHandshake]


@dataclass
class Tls:
    """The TLS seam: a fixed handshake per port, or a function of (version, ciphers)."""

    ports: dict[int, TlsAnswer]
    offered: list[tuple[int, ssl.TLSVersion | None, str | None]] = field(default_factory=list)

    def tls_handshake(
        self, address: str, port: int, *, version: ssl.TLSVersion | None = None, ciphers: str | None = None
    ) -> TlsHandshake:
        self.offered.append((port, version, ciphers))
        answer = self.ports.get(port)
        if answer is None:
            return TlsHandshake(accepted=False, error="connect:closed")
        return answer if isinstance(answer, TlsHandshake) else answer(version, ciphers)


def accepts_versions(
    *names: str, chain: tuple[bytes, ...] = ()
) -> Callable[[ssl.TLSVersion | None, str | None], TlsHandshake]:
    """A TLS server that negotiates only the named versions ("TLSv1.2", ...); default = the newest."""

    def answer(version: ssl.TLSVersion | None, ciphers: str | None) -> TlsHandshake:
        if ciphers is not None and not ciphers.startswith(("ECDHE", "ALL")):
            return TlsHandshake(accepted=False, error="NO_SHARED_CIPHER")
        wanted = names[-1] if version is None else _version_name(version)
        if wanted in names:
            return TlsHandshake(
                accepted=True, version=wanted, cipher="ECDHE-ECDSA-AES128-GCM-SHA256", bits=128, chain=chain
            )
        return TlsHandshake(accepted=False, error="UNSUPPORTED_PROTOCOL")

    return answer


def _version_name(version: ssl.TLSVersion) -> str:
    return {
        ssl.TLSVersion.TLSv1: "TLSv1",
        ssl.TLSVersion.TLSv1_1: "TLSv1.1",
        ssl.TLSVersion.TLSv1_2: "TLSv1.2",
        ssl.TLSVersion.TLSv1_3: "TLSv1.3",
    }.get(version, str(version))


Route = HttpResponse | Callable[[str, Mapping[str, str], bytes | None], HttpResponse]


@dataclass
class Http:
    """The HTTP seam: a response (or a function of method, headers, body) per (port, path)."""

    routes: dict[tuple[int, str], Route]
    not_found_on: set[int] = field(default_factory=set)  # other paths of these ports answer 404
    requests: list[tuple[int, str, str]] = field(default_factory=list)

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
        self.requests.append((port, method, path))
        route = self.routes.get((port, path))
        if route is None:
            return page(404, b"not found") if port in self.not_found_on else None
        return route if isinstance(route, HttpResponse) else route(method, headers or {}, body)


def page(status: int, body: bytes = b"", **headers: str) -> HttpResponse:
    return HttpResponse(status, {k.lower().replace("_", "-"): v for k, v in headers.items()}, body)


LOGIN_FORM = (
    b'<html><form method="post" action="/login"><input name="username">'
    b'<input type="password" name="password"></form></html>'
)


@dataclass
class SshAudit:
    """The ssh-audit seam: the JSON report per port."""

    reports: dict[int, Mapping[str, Any]]

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None:
        return self.reports.get(port)


@dataclass
class SshAuth:
    """The SSH authentication seam: methods offered per port, and the pairs that log in."""

    methods: dict[int, SshAuthMethods]
    accepts: set[tuple[str, str]] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None:
        return self.methods.get(port)

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None:
        if port not in self.methods:
            return None
        self.logins.append((username, password))
        return (username, password) in self.accepts


@dataclass
class Mqtt:
    """The MQTT seam: whether each port's broker accepts anonymous clients and which pairs."""

    anonymous: dict[int, bool]
    accepts: set[tuple[str, str]] = field(default_factory=set)

    def mqtt_connect(
        self, address: str, port: int, *, tls: bool, username: str | None = None, password: str | None = None
    ) -> MqttOutcome | None:
        if port not in self.anonymous:
            return None
        ok = self.anonymous[port] if username is None else (username, password or "") in self.accepts
        return MqttOutcome(ok, "Success" if ok else "Not authorized")


@dataclass
class Telnet:
    """The telnet seam: the pairs that get a shell."""

    accepts: set[tuple[str, str]]

    def telnet_login(self, address: str, port: int, username: str, password: str) -> TelnetOutcome | None:
        return "accepted" if (username, password) in self.accepts else "rejected"


def host(
    probe: ProbeSet,
    ports: Iterable[int],
    declared: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> LiveHost:
    """A LiveHost on the scripted seams, with a small credential list unless one is given."""
    kw.setdefault("credentials", [("admin", "admin"), ("root", "root"), ("root", "")])
    return LiveHost(ADDRESS, sorted(ports), declared, probe=probe, **kw)


def certificate_der(*, days_left: int = 365, expired: bool = False) -> bytes:
    """A self-signed EC P-256 certificate (SHA-256), valid now or expired a day ago."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device.local")])
    now = dt.datetime.now(dt.UTC)
    start, end = (
        (now - dt.timedelta(days=30), now - dt.timedelta(days=1))
        if expired
        else (
            now - dt.timedelta(minutes=5),
            now + dt.timedelta(days=days_left),
        )
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


# --- UDP services ------------------------------------------------------------------------------


@dataclass
class Udp:
    """The UDP seam: each port's state, and the datagram a port answers to any probe."""

    states: dict[int, str]
    replies: dict[int, bytes] = field(default_factory=dict)

    def udp_scan(self, address: str, ports: Sequence[int]) -> Mapping[int, str]:
        return {p: self.states.get(p, "open|filtered") for p in ports}

    def udp_exchange(self, address: str, port: int, send: bytes, *, wait: float = 1.0) -> bytes | None:
        return self.replies.get(port)


@dataclass
class Snmp:
    """The SNMP seam: the (version, community or user) pairs the agent answers."""

    accepts: set[tuple[str, str]] = field(default_factory=set)
    asked: list[tuple[str, str]] = field(default_factory=list)

    def snmp_get(
        self, address: str, port: int, *, version: str, community: str | None = None, user: str | None = None
    ) -> SnmpAnswer | None:
        name = (user if version == "v3" else community) or ""
        self.asked.append((version, name))
        if (version, name) in self.accepts:
            return SnmpAnswer(True, "Linux device 6.1")
        return SnmpAnswer(False, "unknownUserName" if version == "v3" else "timeout")


@dataclass
class Coap:
    """The CoAP seam: per path the code a GET and a PUT get (link-format at /.well-known/core)."""

    resources: dict[str, tuple[str, str]]
    writes: list[str] = field(default_factory=list)

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
        if path == "/.well-known/core":
            links = ",".join(f'<{p}>;rt="x"' for p in self.resources)
            return CoapResponse("2.05", links.encode(), 40)
        if path not in self.resources:
            return CoapResponse("4.04")
        read, write = self.resources[path]
        if method == "GET":
            return CoapResponse(read, b"21.5" if read.startswith("2.") else b"")
        self.writes.append(path)
        return CoapResponse(write)


@dataclass
class Mdns:
    """The mDNS seam: the services announced (None: no answer)."""

    services: list[MdnsService] | None

    def mdns_services(self, address: str, port: int = 5353) -> Sequence[MdnsService] | None:
        return self.services


def ssdp_reply(location: str) -> bytes:
    return (
        "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\n"
        f"USN: uuid:1::upnp:rootdevice\r\nLOCATION: {location}\r\nSERVER: Linux UPnP/1.1 test/1\r\n\r\n"
    ).encode()


def upnp_description(*service_types: str) -> bytes:
    services = "".join(
        f"<service><serviceType>{t}</serviceType><serviceId>urn:upnp-org:serviceId:{i}</serviceId>"
        f"<controlURL>/ctl/{i}</controlURL><SCPDURL>/scpd/{i}.xml</SCPDURL></service>"
        for i, t in enumerate(service_types)
    )
    return (
        '<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major>'
        "<minor>1</minor></specVersion><device><deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>"
        f"<friendlyName>Test device</friendlyName><modelName>T-1</modelName><serviceList>{services}"
        "</serviceList></device></root>"
    ).encode()


IGD_SERVICE = "urn:schemas-upnp-org:service:WANIPConnection:1"

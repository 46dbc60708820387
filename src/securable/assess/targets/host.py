"""The live device as an assessment target: an address, the ports to look at, and what the
manufacturer declared about its interfaces.

Every byte a check exchanges with the device goes through one small seam, the :class:`Probe`
protocol. :class:`SocketProbe` is the real implementation (sockets, ``ssl``, ``http.client``,
paramiko, paho-mqtt, the ssh-audit program); tests of check *logic* may pass a fake, and every
check is also tested against real peers. :class:`LiveHost` adds what several checks share and
should not repeat: the list of open ports and what service runs on each, computed once.

This build only assesses devices reachable on the loopback network (127.0.0.0/8 or ::1): the
demo product and test peers run there, and an assessment tool that sends login attempts must not
be pointed at somebody else's machine by a typo.
"""

from __future__ import annotations

import _ssl
import contextlib
import datetime as _dt
import http.client
import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from securable.assess import netclients, netscan
from securable.assess.model import Location, TargetKind
from securable.errors import DeclarationError, TargetError, UsageError

__all__ = [
    "DEFAULT_PORTS",
    "KEY_ONLY_AUTH",
    "PASSWORD_AUTH",
    "SERVICE_NAMES",
    "DeclaredInterface",
    "HostAddressError",
    "HttpResponse",
    "LiveHost",
    "MqttOutcome",
    "Probe",
    "ServiceInfo",
    "SocketProbe",
    "SshAuthMethods",
    "TlsHandshake",
    "check_loopback",
    "declared_interfaces_from",
    "identify",
    "self_signed_identity",
]

DEFAULT_PORTS: tuple[int, ...] = (
    21,
    22,
    23,
    80,
    443,
    554,
    1883,
    2323,
    5000,
    8000,
    8080,
    8081,
    8443,
    8883,
    9000,
)
"""Ports looked at when neither the user nor the declaration names any: the usual IoT services."""

# TLS alerts a server sends about *our* client certificate: the server negotiated the version
# and asked for a certificate, so the version is accepted and the interface demands mutual TLS.
_CLIENT_CERT_ALERTS = frozenset(
    {
        "TLSV1_ALERT_UNKNOWN_CA",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "TLSV1_ALERT_ACCESS_DENIED",
        "TLSV1_ALERT_DECRYPT_ERROR",
    }
)

PERMISSIVE_CIPHERS = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"
"""Cipher string of every probe context. OpenSSL 3 at its default security level refuses, on the
client side, TLS 1.0/1.1 (their handshake signatures use SHA-1) and small keys; a probe that
refused them could not tell whether the *device* accepts them. Security level 0 lets the probe
offer everything the local OpenSSL was built with. The probe never trusts what it learns."""


class HostAddressError(TargetError, UsageError):
    """The host address is not one this build may assess (exit 2)."""


def check_loopback(address: str) -> str:
    """Return the normalised loopback ``address`` or raise :class:`HostAddressError`."""
    text = address.strip().strip("[]")
    if text.lower() == "localhost":
        return "127.0.0.1"
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise HostAddressError(
            f"host {address!r} is not an IP address",
            diagnostics="give a loopback address such as 127.0.0.1 or ::1 "
            "(this build only assesses devices reachable on loopback)",
        ) from None
    if not ip.is_loopback:
        raise HostAddressError(
            f"host {address!r} is not on the loopback network",
            diagnostics="this build only assesses devices reachable on loopback (127.0.0.0/8 or ::1); "
            "run the device or a port forward on 127.0.0.x and assess that address",
        )
    return str(ip)


# ---------------------------------------------------------------------------------------------
# declared interfaces


# Both vocabularies in use: the device kit's export (network|local|service, none|password|
# certificate|token|mtls) and product.yaml's schema (adds physical, radio, cloud-api and finer
# password/key kinds). Only network and service interfaces with a port are reachable by probes.
_KINDS = ("network", "local", "service", "physical", "radio", "cloud-api")
_PORT_KINDS = frozenset({"network", "service"})
_AUTH = (
    "none",
    "password",
    "unique-password",
    "user-set-password",
    "certificate",
    "token",
    "mtls",
    "key",
    "pairing",
    "other",
)
PASSWORD_AUTH = frozenset({"password", "unique-password", "user-set-password"})
"""Declared auth values meaning the interface takes a password."""
KEY_ONLY_AUTH = frozenset({"certificate", "mtls", "key", "token"})
"""Declared auth values meaning the interface takes no password at all."""


@dataclass(frozen=True)
class DeclaredInterface:
    """One interface of the product declaration (``interfaces:`` in product.yaml)."""

    name: str
    kind: str = "network"
    protocol: str | None = None
    port: int | None = None
    auth: str | None = None
    enabled: bool = True
    purpose: str = ""

    @classmethod
    def coerce(cls, raw: Any) -> DeclaredInterface:
        """From a mapping or any object with the same attributes (e.g. a declaration model)."""
        if isinstance(raw, DeclaredInterface):
            return raw

        def get(key: str, default: Any = None) -> Any:
            if isinstance(raw, Mapping):
                return raw.get(key, default)
            return getattr(raw, key, default)

        name = get("name")
        if not name:
            raise DeclarationError(
                "declared interface without a name", diagnostics="give every entry of interfaces: a name"
            )
        kind = str(getattr(get("kind", "network"), "value", get("kind", "network")) or "network").lower()
        if kind not in _KINDS:
            raise DeclarationError(
                f"interface {name!r}: unknown kind {kind!r}",
                diagnostics=f"kind is one of {', '.join(_KINDS)}",
            )
        auth_raw = get("auth")
        auth = None if auth_raw is None else str(getattr(auth_raw, "value", auth_raw)).lower()
        if auth is not None and auth not in _AUTH:
            raise DeclarationError(
                f"interface {name!r}: unknown auth {auth!r}", diagnostics=f"auth is one of {', '.join(_AUTH)}"
            )
        port_raw = get("port")
        port: int | None = None
        if port_raw is not None:
            try:
                port = int(port_raw)
            except (TypeError, ValueError):
                port = -1
            if not 1 <= port <= 65535:
                raise DeclarationError(
                    f"interface {name!r}: bad port {port_raw!r}",
                    diagnostics="port is a number from 1 to 65535",
                )
        protocol = get("protocol")
        return cls(
            name=str(name),
            kind=kind,
            protocol=None if protocol is None else str(protocol).lower(),
            port=port,
            auth=auth,
            enabled=bool(get("enabled", get("enabled_by_default", True))),
            purpose=str(get("purpose", "") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def declared_interfaces_from(declaration: Any) -> list[DeclaredInterface]:
    """The interfaces *and* the port-bearing software services of a product declaration.

    ``declaration`` is a :class:`~securable.assess.targets.declaration.Declaration` (anything with
    ``items(name)``) or the plain product.yaml mapping. Services become interfaces of kind
    ``service``: a service that listens is declared attack surface just like an interface.
    """

    def items(name: str) -> list[Any]:
        if hasattr(declaration, "items") and not isinstance(declaration, Mapping):
            return list(declaration.items(name))
        value = declaration.get(name) if isinstance(declaration, Mapping) else None
        return list(value) if isinstance(value, list) else []

    out = [DeclaredInterface.coerce(raw) for raw in items("interfaces")]
    for raw in items("services"):
        if isinstance(raw, Mapping) and raw.get("port") is not None:
            out.append(DeclaredInterface.coerce({**raw, "kind": "service"}))
    return out


# ---------------------------------------------------------------------------------------------
# the probe seam


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


@runtime_checkable
class Probe(Protocol):
    """Every exchange with the device. Methods return None when the port gave no usable answer."""

    def scan(self, address: str, ports: Sequence[int]) -> list[int]: ...

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None: ...

    def tls_handshake(
        self, address: str, port: int, *, version: ssl.TLSVersion | None = None, ciphers: str | None = None
    ) -> TlsHandshake: ...

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

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None: ...

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None: ...

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None: ...

    def mqtt_connect(
        self, address: str, port: int, *, tls: bool, username: str | None = None, password: str | None = None
    ) -> MqttOutcome | None: ...

    def telnet_login(
        self, address: str, port: int, username: str, password: str
    ) -> netclients.TelnetOutcome | None: ...


def _permissive_context(version: ssl.TLSVersion | None = None, ciphers: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # we inspect the chain ourselves; trusting it is not the point
    with warnings.catch_warnings():
        # Setting TLSv1/TLSv1_1 warns (deprecated); probing for them is exactly the purpose here.
        warnings.simplefilter("ignore", DeprecationWarning)
        if version is not None:
            ctx.minimum_version = version
            ctx.maximum_version = version
        else:
            ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers(ciphers or PERMISSIVE_CIPHERS)
    return ctx


def self_signed_identity(
    common_name: str = "securable assessment probe", days: int = 1
) -> tuple[bytes, bytes]:
    """A fresh self-signed EC P-256 certificate and its key (PEM).

    The probe offers one when a server asks for a client certificate, so that the server's
    refusal tells us it negotiated the version and wants mutual TLS."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _dt.datetime.now(_dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(minutes=5))
        .not_valid_after(now + _dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


class SocketProbe:
    """The real probe. ``timeout`` bounds every single connection and read."""

    def __init__(self, *, timeout: float = 3.0, scan_limit: int = netscan.DEFAULT_HOST_LIMIT) -> None:
        self.timeout = timeout
        self.scan_limit = scan_limit
        self._client_identity: tuple[bytes, bytes] | None = None

    # -- tcp ---------------------------------------------------------------------------------

    def scan(self, address: str, ports: Sequence[int]) -> list[int]:
        return netscan.sweep(address, ports, limit=self.scan_limit, timeout=min(self.timeout, 1.0)).open_ports

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None:
        try:
            raw = socket.create_connection((address, port), timeout=self.timeout)
        except OSError:
            return None
        sock: socket.socket = raw
        try:
            if tls:
                sock = _permissive_context().wrap_socket(raw)
            if send:
                sock.sendall(send)
            data = b""
            deadline = time.monotonic() + wait
            while len(data) < 4096 and time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = sock.recv(4096 - len(data))
                except TimeoutError:
                    break
                if not chunk:
                    break
                data += chunk
                # Once the peer has spoken, a short quiet spell ends the read: a banner or a
                # CONNACK arrives in one go, and waiting the full ``wait`` would only cost time.
                deadline = min(deadline, time.monotonic() + 0.15)
            return data
        except OSError:
            return None
        finally:
            sock.close()

    # -- tls ---------------------------------------------------------------------------------

    def _context_with_identity(self, version: ssl.TLSVersion | None, ciphers: str | None) -> ssl.SSLContext:
        ctx = _permissive_context(version, ciphers)
        if self._client_identity is None:
            self._client_identity = self_signed_identity()
        cert, key = self._client_identity
        with tempfile.TemporaryDirectory(prefix="securable-probe-") as tmp:
            cpath, kpath = Path(tmp, "c.pem"), Path(tmp, "k.pem")
            cpath.write_bytes(cert)
            kpath.write_bytes(key)
            ctx.load_cert_chain(cpath, kpath)
        return ctx

    def tls_handshake(
        self, address: str, port: int, *, version: ssl.TLSVersion | None = None, ciphers: str | None = None
    ) -> TlsHandshake:
        try:
            ctx = self._context_with_identity(version, ciphers)
        except ssl.SSLError as exc:  # the local OpenSSL cannot offer these ciphers at all
            return TlsHandshake(accepted=False, error=f"local:{getattr(exc, 'reason', None) or exc}")
        try:
            raw = socket.create_connection((address, port), timeout=self.timeout)
        except OSError as exc:
            return TlsHandshake(accepted=False, error=f"connect:{exc.strerror or exc}")
        try:
            sock = ctx.wrap_socket(raw)
        except ssl.SSLError as exc:
            raw.close()
            if getattr(exc, "reason", None) in _CLIENT_CERT_ALERTS:
                return TlsHandshake(accepted=True, client_auth=True, error=exc.reason)
            return TlsHandshake(accepted=False, error=getattr(exc, "reason", None) or str(exc))
        except OSError as exc:
            raw.close()
            return TlsHandshake(accepted=False, error=str(exc) or type(exc).__name__)
        with sock:
            cipher = sock.cipher()
            chain = _peer_chain(sock)
            negotiated = sock.version()
            client_auth = False
            if negotiated == "TLSv1.3":
                # In TLS 1.3 a server rejects a client certificate only after the handshake.
                sock.settimeout(0.2)
                try:
                    sock.recv(1)
                except ssl.SSLError as exc:
                    client_auth = getattr(exc, "reason", None) in _CLIENT_CERT_ALERTS
                except OSError:
                    pass
            return TlsHandshake(
                accepted=True,
                version=negotiated,
                cipher=cipher[0] if cipher else None,
                bits=cipher[2] if cipher else None,
                chain=chain,
                client_auth=client_auth,
            )

    # -- http --------------------------------------------------------------------------------

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
        host = f"[{address}]" if ":" in address else address
        conn: http.client.HTTPConnection
        if tls:
            conn = http.client.HTTPSConnection(
                address, port, timeout=self.timeout, context=_permissive_context()
            )
        else:
            conn = http.client.HTTPConnection(address, port, timeout=self.timeout)
        try:
            hdrs = {"Host": f"{host}:{port}", "User-Agent": "securable-assess", "Connection": "close"}
            hdrs.update(headers or {})
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read(65536)
            merged: dict[str, str] = {}
            for k, v in resp.getheaders():
                key = k.lower()
                merged[key] = f"{merged[key]}, {v}" if key in merged else v
            return HttpResponse(resp.status, merged, data)
        except (OSError, http.client.HTTPException, ValueError):
            return None
        finally:
            conn.close()

    # -- ssh ---------------------------------------------------------------------------------

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None:
        """ssh-audit's JSON for one server, from the ssh-audit program of this environment.

        ssh-audit is run as a program: its Python functions print to stdout and exit the
        process, so they are no library API. Its exit code is non-zero whenever it finds
        problems, so only the JSON decides.
        """
        target = f"[{address}]" if ":" in address else address
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ssh_audit",
                    "-j",
                    "-n",
                    "-p",
                    str(port),
                    "-t",
                    str(int(self.timeout) + 1),
                    target,
                ],
                capture_output=True,
                timeout=self.timeout * 4 + 10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            return None
        return out if isinstance(out, dict) else None

    def _ssh_transport(self, address: str, port: int) -> Any:
        import paramiko

        sock = socket.create_connection((address, port), timeout=self.timeout)
        transport = paramiko.Transport(sock)
        transport.banner_timeout = self.timeout
        transport.auth_timeout = self.timeout
        transport.start_client(timeout=self.timeout)
        return transport

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None:
        import paramiko

        try:
            transport = self._ssh_transport(address, port)
        except (OSError, paramiko.SSHException, EOFError):
            return None
        try:
            try:
                transport.auth_none(username)
            except paramiko.BadAuthenticationType as exc:
                return SshAuthMethods(False, tuple(sorted(exc.allowed_types)))
            except (paramiko.SSHException, EOFError, OSError):
                return None
            return SshAuthMethods(True, ("none",))
        finally:
            transport.close()

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None:
        import paramiko

        try:
            transport = self._ssh_transport(address, port)
        except (OSError, paramiko.SSHException, EOFError):
            return None
        try:
            transport.auth_password(username, password, fallback=True)  # also keyboard-interactive
            return bool(transport.is_authenticated())
        except (paramiko.AuthenticationException, paramiko.BadAuthenticationType):
            return False
        except (paramiko.SSHException, EOFError, OSError):
            return None
        finally:
            transport.close()

    # -- mqtt / telnet ---------------------------------------------------------------------

    def mqtt_connect(
        self, address: str, port: int, *, tls: bool, username: str | None = None, password: str | None = None
    ) -> MqttOutcome | None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"securable-{time.monotonic_ns()}")
        if username is not None:
            client.username_pw_set(username, password)
        if tls:
            client.tls_set_context(_permissive_context())
        result: dict[str, Any] = {}

        def on_connect(_c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            result["reason"] = reason

        client.on_connect = on_connect
        try:
            client.connect(address, port, keepalive=10)
            deadline = time.monotonic() + self.timeout
            while "reason" not in result and time.monotonic() < deadline:
                if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS:
                    break
        except (OSError, ValueError, ssl.SSLError):
            return None
        finally:
            with contextlib.suppress(Exception):
                client.disconnect()
            with contextlib.suppress(Exception):
                sock = client.socket()
                if sock is not None:
                    sock.close()
        reason = result.get("reason")
        if reason is None:
            return None
        return MqttOutcome(accepted=not reason.is_failure, reason=str(reason))

    def telnet_login(
        self, address: str, port: int, username: str, password: str
    ) -> netclients.TelnetOutcome | None:
        return netclients.telnet_login(address, port, username, password, timeout=self.timeout + 2)


_ENCODING_DER = getattr(ssl, "ENCODING_DER", getattr(_ssl, "ENCODING_DER", 2))


def _peer_chain(sock: ssl.SSLSocket) -> tuple[bytes, ...]:
    """The certificates the server sent, DER, leaf first.

    Python 3.13 has ``get_unverified_chain()`` on the socket; 3.11/3.12 have it on the private
    ``_sslobj`` only. Where neither exists, the leaf alone.
    """
    getter = getattr(sock, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)
    if getter is not None:
        try:
            certs = getter() or []
            out = []
            for c in certs:
                der = c if isinstance(c, bytes) else c.public_bytes(_ENCODING_DER)
                out.append(bytes(der))
            if out:
                return tuple(out)
        except (ssl.SSLError, AttributeError, ValueError):
            pass
    leaf = sock.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


# ---------------------------------------------------------------------------------------------
# service identification


_T = TypeVar("_T")

SERVICE_NAMES = ("ssh", "telnet", "ftp", "smtp", "http", "https", "mqtt", "mqtts", "tls", "unknown")
"""What :func:`identify` can name; ``tls`` is TLS whose inner protocol could not be read."""


@dataclass(frozen=True)
class ServiceInfo:
    """What runs on one open port, as far as one polite round of probes can tell."""

    port: int
    service: str
    tls: bool = False
    banner: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "service": self.service,
            "tls": self.tls,
            "banner": self.banner,
            **dict(self.evidence),
        }


def _printable(data: bytes, limit: int = 200) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()


def identify(probe: Probe, address: str, port: int) -> ServiceInfo:
    """Name the service on ``port``: server-first banners (SSH, telnet, FTP, SMTP), then TLS,
    then HTTP, then MQTT — each on a fresh connection, reading a few KiB at most."""
    first = probe.exchange(address, port, b"", wait=0.6)
    if first is None:
        return ServiceInfo(port, "unknown", evidence={"note": "connection failed during identification"})
    if first:
        if first.startswith(b"SSH-"):
            line = first.split(b"\n", 1)[0].strip()
            return ServiceInfo(port, "ssh", banner=_printable(line))
        text, _ = netclients.strip_telnet_commands(first)
        tail = text.rstrip()
        login_prompt = bool(netclients._LOGIN_PROMPT.search(tail))
        shell_prompt = not login_prompt and bool(netclients._SHELL_PROMPT.search(tail))
        if first[0] == netclients.IAC or login_prompt or shell_prompt:
            ev = {"shell_without_login": True} if shell_prompt else {}
            return ServiceInfo(port, "telnet", banner=_printable(text), evidence=ev)
        if first.startswith(b"220"):
            upper = first.upper()
            name = "smtp" if b"SMTP" in upper and b"FTP" not in upper else "ftp"
            return ServiceInfo(port, name, banner=_printable(first))
        return ServiceInfo(port, "unknown", banner=_printable(first))
    hs = probe.tls_handshake(address, port)
    if hs.accepted:
        tls_ev: dict[str, Any] = {"tls_version": hs.version, "client_auth": hs.client_auth}
        resp = probe.http(address, port, "GET", "/", tls=True)
        if resp is not None:
            return ServiceInfo(
                port,
                "https",
                tls=True,
                banner=_printable(resp.header("server").encode()),
                evidence={**tls_ev, "http_status": resp.status},
            )
        ack = netclients.mqtt_connack_code(
            probe.exchange(address, port, netclients.mqtt_connect_packet(), tls=True, wait=1.0) or b""
        )
        if ack is not None:
            return ServiceInfo(port, "mqtts", tls=True, evidence={**tls_ev, "connack": ack})
        return ServiceInfo(port, "tls", tls=True, evidence=tls_ev)
    resp = probe.http(address, port, "GET", "/", tls=False)
    if resp is not None:
        return ServiceInfo(
            port,
            "http",
            banner=_printable(resp.header("server").encode()),
            evidence={"http_status": resp.status},
        )
    ack = netclients.mqtt_connack_code(
        probe.exchange(address, port, netclients.mqtt_connect_packet(), wait=1.0) or b""
    )
    if ack is not None:
        return ServiceInfo(port, "mqtt", evidence={"connack": ack})
    return ServiceInfo(port, "unknown")


# ---------------------------------------------------------------------------------------------
# the target


class LiveHost:
    """A device on loopback, the ports to assess, and its declared interfaces.

    ``ports``: the ports to look at (the user's list; without one, the declared ports plus
    :data:`DEFAULT_PORTS`). ``credentials``: (user, password) pairs for the default-credential
    check, normally the shipped list; ``attempt_budget``: at most that many login attempts per
    service. Open ports and service names are computed once and shared by all checks.
    """

    kind = TargetKind.HOST
    IDENTIFY_WORKERS = 8

    def __init__(
        self,
        address: str,
        ports: Iterable[int] | str | None = None,
        declared_interfaces: Iterable[Any] | None = None,
        *,
        probe: Probe | None = None,
        credentials: Iterable[tuple[str, str]] | None = None,
        attempt_budget: int = 10,
        http_paths: Iterable[str] | None = None,
        timeout: float = 3.0,
    ) -> None:
        self.address = check_loopback(address)
        self.declared: tuple[DeclaredInterface, ...] | None = (
            None
            if declared_interfaces is None
            else tuple(DeclaredInterface.coerce(d) for d in declared_interfaces)
        )
        if ports is None:
            declared_ports = {d.port for d in self.declared or () if d.port is not None}
            self.ports: tuple[int, ...] = tuple(sorted(declared_ports | set(DEFAULT_PORTS)))
        else:
            self.ports = tuple(netscan.parse_ports(ports))
        if attempt_budget < 1:
            raise UsageError(
                f"attempt budget {attempt_budget} is below 1",
                diagnostics="allow at least 1 login attempt per service",
            )
        self.probe: Probe = probe if probe is not None else SocketProbe(timeout=timeout)
        self._credentials = None if credentials is None else tuple((str(u), str(p)) for u, p in credentials)
        self.attempt_budget = attempt_budget
        self.http_paths = None if http_paths is None else tuple(http_paths)
        self._open: list[int] | None = None
        self._services: dict[int, ServiceInfo] = {}
        self._memo: dict[str, object] = {}
        # The engine runs checks in threads; the shared scan and identification happen once.
        self._lock = threading.RLock()

    @property
    def ref(self) -> str:
        return self.address

    def __repr__(self) -> str:
        return f"LiveHost({self.address!r}, ports={len(self.ports)})"

    def open_ports(self) -> list[int]:
        with self._lock:
            if self._open is None:
                self._open = sorted(self.probe.scan(self.address, self.ports))
            return list(self._open)

    def service(self, port: int) -> ServiceInfo:
        with self._lock:
            if port not in self._services:
                self._services[port] = identify(self.probe, self.address, port)
            return self._services[port]

    def services(self) -> list[ServiceInfo]:
        """Every open port identified; ports are identified side by side (each waits on its own
        timeouts), at most :attr:`IDENTIFY_WORKERS` at a time."""
        with self._lock:
            todo = [p for p in self.open_ports() if p not in self._services]
            if len(todo) > 1:
                with ThreadPoolExecutor(max_workers=min(self.IDENTIFY_WORKERS, len(todo))) as pool:
                    found = pool.map(lambda p: identify(self.probe, self.address, p), todo)
                    self._services.update(zip(todo, found, strict=True))
            return [self.service(p) for p in self.open_ports()]

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """Compute ``key`` once for this host (e.g. the login surface of one HTTP port, which two
        checks need); later callers, in any thread, get the stored result."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[return-value]

    def declared_for(self, port: int) -> DeclaredInterface | None:
        for d in self.declared or ():
            if d.port == port and d.kind in _PORT_KINDS:
                return d
        return None

    def location(self, port: int, service: str | None = None) -> Location:
        return Location(host=self.address, port=port, service=service or self.service(port).service)

    def credentials(self) -> tuple[tuple[str, str], ...]:
        """The pairs to try: the caller's, else the shipped default-credential list."""
        if self._credentials is None:
            from securable.assess.checks.network._credentials import load_default_credentials

            self._credentials = load_default_credentials()
        return self._credentials

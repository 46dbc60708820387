"""Test helpers for the device kit's TLS, access, interface and vault tests (imported, not a conftest).

A tiny PKI built with ``cryptography.x509`` and keys from ``securable.device._crypto``: a root
CA, leaf certificates with IP-address SANs for loopback, and files written to a temp folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from securable.device import _crypto
from securable.device.keystore import FileKeystore


@dataclass
class Issued:
    """A certificate with its key, written out as PEM files."""

    cert: x509.Certificate
    key: _crypto.PrivateKey
    cert_path: Path
    key_path: Path

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(Encoding.PEM)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass
class TestCA:
    """A root CA that issues server and client (device identity) certificates."""

    folder: Path
    name: str = "Test Manufacturer Root"
    key: _crypto.PrivateKey = field(default_factory=_crypto.generate_private_key)
    cert: x509.Certificate = field(init=False)

    __test__ = False  # not a pytest class

    def __post_init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(self.name))
            .issuer_name(_name(self.name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, _crypto.sha256_hash())
        )

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(Encoding.PEM)

    def issue(
        self, common_name: str, *, server: bool = True, ips: tuple[str, ...] = ("127.0.0.1",)
    ) -> Issued:
        key = _crypto.generate_private_key()
        now = dt.datetime.now(dt.UTC)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
        )
        if ips:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]),
                critical=False,
            )
        cert = builder.sign(self.key, _crypto.sha256_hash())
        stem = common_name.replace(" ", "_").lower()
        cert_path = self.folder / f"{stem}.crt"
        key_path = self.folder / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(Encoding.PEM))
        key_path.write_bytes(_crypto.private_key_to_pem(key))
        key_path.chmod(0o600)
        return Issued(cert, key, cert_path, key_path)


@dataclass
class HandshakeServer:
    """A one-connection TLS server on 127.0.0.1 in a thread; records what the handshake gave."""

    context: ssl.SSLContext
    port: int = 0
    version: str | None = None
    peer_cert: dict[str, object] | None = None
    error: BaseException | None = None
    _sock: socket.socket = field(init=False)
    _thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(10)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._sock.accept()
            with conn, self.context.wrap_socket(conn, server_side=True) as tls:
                self.version = tls.version()
                self.peer_cert = tls.getpeercert()  # type: ignore[assignment]
                data = tls.recv(16)
                tls.sendall(data)
        except (OSError, ssl.SSLError) as exc:
            self.error = exc
        finally:
            self._sock.close()

    def join(self) -> None:
        self._thread.join(timeout=10)


def connect(context: ssl.SSLContext, port: int, server_hostname: str | None = "127.0.0.1") -> str | None:
    """Handshake with the server, exchange one message, return the TLS version."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=server_hostname) as tls,
    ):
        tls.sendall(b"ping")
        assert tls.recv(16) == b"ping"
        return tls.version()


class CountingKeystore:
    """Wraps a real keystore and records which of its methods the code under test called."""

    def __init__(self, inner: FileKeystore) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return counted


def scan_for(folder: Path, needles: list[bytes]) -> list[tuple[Path, int]]:
    """Every (file, needle index) where a needle's bytes occur in a file left under ``folder``."""
    hits: list[tuple[Path, int]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        blob = path.read_bytes()
        hits.extend((path, i) for i, needle in enumerate(needles) if needle and needle in blob)
    return hits


class Clock:
    """An injected clock: starts at a fixed instant, moves only when told."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class ListLog:
    """A security-log stand-in that keeps events in a list (``record(event, outcome, **details)``)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, object]]] = []

    def record(self, event: str, outcome: str, /, **details: object) -> None:
        self.events.append((str(event), str(outcome), details))

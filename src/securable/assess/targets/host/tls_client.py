"""The real TLS seam: handshakes from a deliberately permissive client.

The probe must see what the *device* accepts, so its client offers everything the local OpenSSL
can (security level 0, TLS 1.0 upwards, every cipher) and trusts nothing it is sent: the chain
is returned for the certificate check to judge. When a server asks for a client certificate the
probe offers a throwaway self-signed one, so that the refusal shows the server negotiated the
version and wants mutual TLS.
"""

from __future__ import annotations

import _ssl
import datetime as _dt
import socket
import ssl
import tempfile
import threading
import warnings
from pathlib import Path

from securable.assess.targets.host.probe import TlsHandshake

__all__ = ["PERMISSIVE_CIPHERS", "TlsSocketProbe", "permissive_context", "self_signed_identity"]

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


def permissive_context(version: ssl.TLSVersion | None = None, ciphers: str | None = None) -> ssl.SSLContext:
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


class TlsSocketProbe:
    """The :class:`~securable.assess.targets.host.probe.TlsProbe` over a socket and ``ssl``.

    ``timeout`` bounds the connection and the handshake."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout
        self._client_identity: tuple[bytes, bytes] | None = None
        self._identity_lock = threading.Lock()

    def _context_with_identity(self, version: ssl.TLSVersion | None, ciphers: str | None) -> ssl.SSLContext:
        ctx = permissive_context(version, ciphers)
        with self._identity_lock:  # one key pair per probe, however many checks handshake at once
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
            chain = peer_chain(sock)
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


_ENCODING_DER = getattr(ssl, "ENCODING_DER", getattr(_ssl, "ENCODING_DER", 2))


def peer_chain(sock: ssl.SSLSocket) -> tuple[bytes, ...]:
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

"""TLS for data in transit: strict ``ssl.SSLContext`` factories and a check for unprotected listeners.

Why factories instead of ``ssl.create_default_context``: the default client context trusts the
whole system store and accepts whatever the OpenSSL build allows. A device talking to its own
cloud should trust exactly one root (the manufacturer's), refuse anything older than TLS 1.2,
never compress (CRIME-style leaks), and authenticate itself with its device identity (mutual
TLS). Those choices are made once here so that every listener and every link of a product gets
them (NIST IR 8425 DP-1, 8259A data protection; EN 303 645 provision 5.5).
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from securable.device import _crypto
from securable.errors import UsageError

__all__ = [
    "ListenerProblem",
    "PortRegistry",
    "client_context",
    "identity_client_context",
    "identity_server_context",
    "server_context",
    "unprotected_listeners",
]

PemSource = bytes | str | Path
"""PEM given as bytes/str content, or a :class:`~pathlib.Path` to a PEM file."""

# Forward-secret AEAD suites only for TLS 1.2; TLS 1.3 suites are all fine and OpenSSL picks them.
_TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1:!DSS"


def _pem_text(source: PemSource, what: str) -> str:
    if isinstance(source, Path):
        try:
            return source.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"cannot read {what} {source}: {exc}", diagnostics=f"give a readable PEM file as {what}"
            ) from exc
    text = source.decode("ascii", errors="replace") if isinstance(source, bytes) else source
    if "-----BEGIN" not in text:
        raise UsageError(
            f"{what} is not PEM", diagnostics=f"pass the PEM text or a Path to a PEM file as {what}"
        )
    return text


@contextlib.contextmanager
def _as_file(source: PemSource, what: str) -> Iterator[str]:
    """``ssl`` loads certificate chains only from files: give it one, private and short-lived."""
    if isinstance(source, Path):
        yield str(source)
        return
    text = _pem_text(source, what)
    fd, name = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        yield name
    finally:
        Path(name).unlink(missing_ok=True)


def _harden(context: ssl.SSLContext) -> None:
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.set_ciphers(_TLS12_CIPHERS)


def _load_chain(
    context: ssl.SSLContext, chain: PemSource, key: str | Path, passphrase: bytes | None, what: str
) -> None:
    with _as_file(chain, what) as chain_file:
        try:
            context.load_cert_chain(chain_file, str(key), password=passphrase)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot load the certificate chain ({what}) and key ({key}): {exc}",
                diagnostics="give the PEM chain (leaf first) and the matching private key file",
            ) from exc


def server_context(
    cert_chain_pem: PemSource,
    key_pem_path: str | Path,
    *,
    client_ca: PemSource | None = None,
    require_client_cert: bool = False,
    key_passphrase: bytes | None = None,
) -> ssl.SSLContext:
    """A server context for a device listener (or a cloud endpoint that devices reach).

    ``cert_chain_pem`` is the leaf followed by its intermediates (PEM text or a path); the key
    stays in a file. With ``client_ca`` the server verifies client certificates against exactly
    that CA (the manufacturer root for device identities); ``require_client_cert`` makes a
    certificate mandatory — mutual TLS.
    """
    if require_client_cert and client_ca is None:
        raise UsageError(
            "require_client_cert=True needs client_ca",
            diagnostics="pass client_ca=<PEM of the root that issues client certificates>",
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(context)
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_SINGLE_ECDH_USE
    _load_chain(context, cert_chain_pem, key_pem_path, key_passphrase, "cert_chain_pem")
    if client_ca is not None:
        context.load_verify_locations(cadata=_pem_text(client_ca, "client_ca"))
        context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    return context


def client_context(
    trusted_root_pem: PemSource,
    *,
    client_cert: PemSource | None = None,
    client_key: str | Path | None = None,
    pin_root: bool = True,
    check_hostname: bool = True,
    key_passphrase: bytes | None = None,
) -> ssl.SSLContext:
    """A client context for a device–cloud (or app–device) link.

    With ``pin_root`` (the default) only ``trusted_root_pem`` is trusted — the system store is
    not loaded, so a certificate from any other CA, public or private, is refused. Without it the
    root is added to the system store. ``check_hostname`` stays on by default; a certificate with
    an IP-address SAN (``127.0.0.1``) passes it when the caller connects with that address as
    ``server_hostname``. Turn it off only for a loopback device whose certificate names a serial
    number rather than an address: the chain is still verified against the pinned root.
    ``client_cert``/``client_key`` present the device identity for mutual TLS.
    """
    if (client_cert is None) != (client_key is None):
        raise UsageError(
            "client_cert and client_key go together",
            diagnostics="pass both the device certificate chain and its private key file, or neither",
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _harden(context)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = check_hostname
    if not pin_root:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    context.load_verify_locations(cadata=_pem_text(trusted_root_pem, "trusted_root_pem"))
    if client_cert is not None and client_key is not None:
        _load_chain(context, client_cert, client_key, key_passphrase, "client_cert")
    return context


# --- contexts from the device identity (securable.device.identity) -------------------------------


class DeviceIdentityLike(Protocol):
    """What the identity helpers need of ``securable.device.identity.DeviceIdentity``."""

    keystore: Any
    chain: list[Any]
    ldevid_chain: list[Any] | None


def _identity_material(identity: DeviceIdentityLike, use_ldevid: bool) -> tuple[bytes, bytes]:
    """(certificate chain PEM, private key PEM) of the IDevID or the LDevID."""
    chain = identity.ldevid_chain if use_ldevid else identity.chain
    key_id = "ldevid" if use_ldevid else "idevid"
    if not chain:
        raise UsageError(
            "the device has no LDevID yet" if use_ldevid else "the device identity has no certificate",
            diagnostics="enrol an LDevID first, or use the IDevID (use_ldevid=False)",
        )
    exporter = getattr(identity.keystore, "private_key_pem", None)
    if not callable(exporter):
        raise UsageError(
            f"the {type(identity.keystore).__name__} keeps the device key where Python's ssl cannot use it",
            diagnostics="use a FileKeystore, or end TLS in a PKCS#11-aware server (an OpenSSL provider)",
        )
    return _crypto.certificates_to_pem(chain), bytes(exporter(key_id))


def identity_client_context(
    identity: DeviceIdentityLike,
    manufacturer_root_pem: PemSource,
    *,
    use_ldevid: bool = False,
    check_hostname: bool = True,
) -> ssl.SSLContext:
    """The device-to-cloud client context: pinned to ``manufacturer_root_pem``, presenting the
    device's IDevID (or LDevID) for mutual TLS. The private key is handed to ``ssl`` through a
    0600 temporary file that is removed as soon as it is loaded."""
    chain_pem, key_pem = _identity_material(identity, use_ldevid)
    with _as_file(key_pem, "device key") as key_file:
        return client_context(
            manufacturer_root_pem,
            client_cert=chain_pem,
            client_key=Path(key_file),
            pin_root=True,
            check_hostname=check_hostname,
        )


def identity_server_context(
    identity: DeviceIdentityLike,
    *,
    client_ca: PemSource | None = None,
    require_client_cert: bool = False,
    use_ldevid: bool = False,
) -> ssl.SSLContext:
    """A device listener presenting the device identity (the LDevID names it locally)."""
    chain_pem, key_pem = _identity_material(identity, use_ldevid)
    with _as_file(key_pem, "device key") as key_file:
        return server_context(
            chain_pem, Path(key_file), client_ca=client_ca, require_client_cert=require_client_cert
        )


# --- which listeners are not protected ------------------------------------------------------------


class PortRegistry(Protocol):
    """What :func:`unprotected_listeners` needs of an interface registry."""

    def is_allowed(self, port: int) -> bool: ...


@dataclass(frozen=True)
class ListenerProblem:
    """One listener that is not protected, and why.

    ``reasons`` holds ``not-tls`` and/or ``not-allowed`` (undeclared or disabled in the registry).
    """

    host: str
    port: int
    reasons: tuple[str, ...]


Listener = socket.socket | tuple[str, int]


def _speaks_tls(host: str, port: int, timeout: float) -> bool:
    """Probe: does the peer answer a TLS ClientHello with a TLS handshake?

    Verification is off on purpose: the question is only whether the channel is TLS at all,
    not whether we trust it. Loopback/own-device use only.
    """
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    probe.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            probe.wrap_socket(raw, server_hostname=None) as tls,
        ):
            return tls.version() is not None
    except ssl.SSLCertVerificationError:
        return True
    except ssl.SSLError as exc:
        # A TLS server that insists on a client certificate still speaks TLS.
        return "CERTIFICATE_REQUIRED" in str(exc).upper() or "ALERT" in str(exc).upper()
    except OSError:
        return False


def unprotected_listeners(
    listeners: Iterable[Listener],
    *,
    registry: PortRegistry | None = None,
    timeout: float = 2.0,
) -> list[ListenerProblem]:
    """Tell which of a device's listeners are not protected.

    A listener is either a listening socket (a :class:`ssl.SSLSocket` counts as TLS) or a
    ``(host, port)`` pair that is probed with a TLS handshake. With ``registry`` each port must
    also be declared and enabled there (anything undeclared is meant to be closed).
    """
    problems: list[ListenerProblem] = []
    for listener in listeners:
        if isinstance(listener, socket.socket):
            host, port = listener.getsockname()[:2]
            tls = isinstance(listener, ssl.SSLSocket)
        else:
            host, port = listener
            tls = _speaks_tls(host, port, timeout)
        reasons: list[str] = []
        if not tls:
            reasons.append("not-tls")
        if registry is not None and not registry.is_allowed(int(port)):
            reasons.append("not-allowed")
        if reasons:
            problems.append(ListenerProblem(str(host), int(port), tuple(reasons)))
    return problems

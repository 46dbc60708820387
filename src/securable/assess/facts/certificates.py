"""X.509 certificates in the image, found by the shared byte pass and read with pyca/cryptography.

PEM certificates are found in any file (a cloud CA compiled into a daemon counts as much as one
in ``/etc/ssl``) by a C-speed search for the PEM header; DER certificates only in files named like
certificates (``.der``, ``.cer``, ``.crt``, ``.cert``) that start with an ASN.1 SEQUENCE.

Trust stores — the system CA directories and CA bundles — hold a hundred or more public roots the
manufacturer did not issue; they are marked ``trust_store`` so the checks summarise them instead
of reporting each root. A file is a trust store when it lies in a known CA directory, has a known
bundle name, or holds more than :data:`BUNDLE_MIN` CA certificates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.utils import CryptographyDeprecationWarning

from securable.assess.model import ImageFile

__all__ = ["CERTIFICATES", "CERT_LIMIT", "Certificate", "CertificateMatcher", "read_certificates"]

CERT_LIMIT = 8 * 1024 * 1024
BUNDLE_MIN = 3  # more CA certificates than this in one file: a CA bundle
MAX_PER_FILE = 1000  # a hostile file full of certificates is not parsed forever
_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_PEM_END = b"-----END CERTIFICATE-----"
_PEM_MAX = 64 * 1024  # no real certificate is longer than this in PEM
_DER_NAMES = re.compile(r"\.(der|cer|crt|cert)$", re.IGNORECASE)
_TRUST_DIRS = (
    "/etc/ssl/certs/",
    "/usr/share/ca-certificates/",
    "/etc/pki/ca-trust/",
    "/etc/pki/tls/certs/",
    "/usr/local/share/ca-certificates/",
    "/etc/ca-certificates/",
    "/usr/share/pki/",
    "/etc/pki/ca-trust/extracted/",
)
_BUNDLE_NAMES = re.compile(
    r"(^|/)(ca-certificates\.crt|ca-bundle(\.trust)?\.(crt|pem)|cacert\.pem|tls-ca-bundle\.pem|cert\.pem"
    r"|ca-root-nss\.crt|certs\.pem|curl-ca-bundle\.crt)$"
)
_WEAK_HASHES = ("md5", "sha1", "md2", "md4")


@dataclass(frozen=True)
class Certificate:
    """One certificate: who it names, who signed it, how long it is valid, and its key."""

    path: str
    index: int  # position in its file (bundles hold many)
    encoding: str  # pem | der
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    serial: str
    sha256: str
    key_type: str  # RSA, DSA, EC, Ed25519, Ed448, other
    key_bits: int
    signature_hash: str  # sha256, sha1, md5, … ("" for Ed25519/Ed448)
    self_signed: bool
    ca: bool
    trust_store: bool = False

    def expired(self, now: dt.datetime) -> bool:
        return self.not_after < now

    def weaknesses(self) -> tuple[str, ...]:
        """Why the certificate's key or signature is weak (empty when it is not)."""
        out = []
        if self.key_type == "RSA" and self.key_bits < 2048:
            out.append(f"RSA key of {self.key_bits} bits (fewer than 2048)")
        if self.key_type == "DSA":
            out.append(f"DSA key ({self.key_bits} bits): DSA is withdrawn from FIPS 186-5")
        if self.key_type == "EC" and self.key_bits < 224:
            out.append(f"elliptic-curve key of {self.key_bits} bits (fewer than 224)")
        if self.signature_hash in _WEAK_HASHES:
            out.append(f"signed with {self.signature_hash.upper()}, which allows forged signatures")
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "index": self.index,
            "encoding": self.encoding,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "serial": self.serial,
            "sha256": self.sha256,
            "key": f"{self.key_type}-{self.key_bits}" if self.key_bits else self.key_type,
            "signature_hash": self.signature_hash,
            "self_signed": self.self_signed,
            "ca": self.ca,
        }


def _key(cert: x509.Certificate) -> tuple[str, int]:
    try:
        key = cert.public_key()
    except (ValueError, TypeError, NotImplementedError):
        return "unsupported", 0
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def _signature_hash(cert: x509.Certificate) -> str:
    try:
        algorithm = cert.signature_hash_algorithm
    except Exception:  # cryptography raises UnsupportedAlgorithm for exotic OIDs
        return cert.signature_algorithm_oid.dotted_string
    return "" if algorithm is None else algorithm.name


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def _certificate(path: str, index: int, encoding: str, cert: x509.Certificate) -> Certificate:
    key_type, bits = _key(cert)
    subject = cert.subject.rfc4514_string()
    issuer = cert.issuer.rfc4514_string()
    return Certificate(
        path=path,
        index=index,
        encoding=encoding,
        subject=subject[:300],
        issuer=issuer[:300],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x")[:80],
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        key_type=key_type,
        key_bits=bits,
        signature_hash=_signature_hash(cert),
        self_signed=cert.subject == cert.issuer,
        ca=_is_ca(cert),
    )


def _pem_blocks(data: bytes) -> Iterator[bytes]:
    start = 0
    while True:
        begin = data.find(_PEM_BEGIN, start)
        if begin < 0:
            return
        end = data.find(_PEM_END, begin + len(_PEM_BEGIN), begin + _PEM_MAX)
        if end < 0:
            start = begin + len(_PEM_BEGIN)  # a header string alone (inside libcrypto, say)
            continue
        begin = data.rfind(_PEM_BEGIN, begin, end)  # a stray header string before the real one
        start = end + len(_PEM_END)
        yield data[begin:start]


def read_certificates(path: str, data: bytes) -> list[Certificate]:
    """Every parseable certificate in ``data`` (PEM anywhere, DER when the file is one)."""
    with warnings.catch_warnings():
        # Old public roots have non-positive serial numbers; cryptography warns, we still list them.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _read_certificates(path, data)


def _read_certificates(path: str, data: bytes) -> list[Certificate]:
    found: list[Certificate] = []
    if _PEM_BEGIN in data:
        for block in _pem_blocks(data):
            if len(found) >= MAX_PER_FILE:
                break
            try:
                cert = x509.load_pem_x509_certificate(block)
                found.append(_certificate(path, len(found), "pem", cert))
            except (ValueError, TypeError):
                continue
    elif _DER_NAMES.search(path) and data[:1] == b"\x30" and len(data) <= _PEM_MAX:
        with contextlib.suppress(ValueError, TypeError):
            found.append(_certificate(path, 0, "der", x509.load_der_x509_certificate(data)))
    if found and _is_trust_store(path, found):
        found = [_as_trust_store(c) for c in found]
    return found


def _is_trust_store(path: str, certs: list[Certificate]) -> bool:
    if path.startswith(_TRUST_DIRS) or _BUNDLE_NAMES.search(path):
        return True
    return sum(c.ca for c in certs) > BUNDLE_MIN


def _as_trust_store(cert: Certificate) -> Certificate:
    return Certificate(**{**cert.__dict__, "trust_store": True})


@dataclass(frozen=True)
class CertificateMatcher:
    """Certificate discovery as a consumer of the shared byte pass (:mod:`.content`)."""

    name: str = "certificates"
    limit: int = CERT_LIMIT

    def wants(self, entry: ImageFile) -> bool:
        return entry.size >= 100

    def scan(self, entry: ImageFile, data: bytes) -> list[Certificate]:
        try:
            return read_certificates(entry.path, data)
        except Exception:  # a hostile file must not end the pass every matcher shares
            return []


CERTIFICATES = CertificateMatcher()

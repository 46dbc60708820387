"""Certificates for the certificate-check tests, generated at test time (no certificate or key is
committed): good, expired, RSA-1024, DSA and CA bundles with pyca/cryptography; SHA-1 and MD5
signed ones with the openssl command, because cryptography refuses to sign with those hashes."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import NameOID

__all__ = ["bundle", "legacy_signed", "make_certificate"]

_KEYS: dict[str, Any] = {}


def _key(kind: str) -> Any:
    """One key per kind per test session: RSA generation is the slow part."""
    if kind not in _KEYS:
        if kind.startswith("rsa"):
            _KEYS[kind] = rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
        elif kind == "dsa":
            _KEYS[kind] = dsa.generate_private_key(key_size=2048)
        else:
            _KEYS[kind] = ec.generate_private_key(ec.SECP256R1())
    return _KEYS[kind]


def make_certificate(
    cn: str,
    *,
    key: str = "ec",
    digest: hashes.HashAlgorithm | None = None,
    days: int = 3650,
    starts: int = -1,
    ca: bool = False,
    issuer_key: str | None = None,
    der: bool = False,
) -> bytes:
    """A certificate for ``cn`` valid from ``starts`` to ``starts + days`` days from now (PEM or DER).

    ``issuer_key`` signs it as an issuer named ``Fixture CA`` (else it is self-signed)."""
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fixture CA")]) if issuer_key else subject
    signer = _key(issuer_key or key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(_key(key).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=starts))
        .not_valid_after(now + dt.timedelta(days=starts + days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    cert = builder.sign(signer, digest or hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER if der else serialization.Encoding.PEM)


def bundle(count: int, *, expired: int = 0) -> bytes:
    """A CA bundle of ``count`` self-signed roots, the first ``expired`` of them expired."""
    return b"".join(
        make_certificate(
            f"Root {n}", ca=True, starts=-400 if n < expired else -1, days=300 if n < expired else 3650
        )
        for n in range(count)
    )


def legacy_signed(cn: str, digest: str = "sha1") -> bytes:
    """A self-signed RSA-2048 certificate signed with ``digest`` (sha1, md5), made by openssl."""
    key = _key("rsa2048").private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(folder) / "key.pem"
        key_file.write_bytes(key)
        command = ["openssl", "req", "-x509", "-key", str(key_file), f"-{digest}", "-subj", f"/CN={cn}"]
        done = subprocess.run([*command, "-days", "3650"], check=True, capture_output=True, timeout=60)
    return done.stdout

"""Identify a private key block found in an image (type, size, public fingerprint) without keeping it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

_ARMOR_HEADER = re.compile(rb"^[A-Za-z-]+: .*$", re.MULTILINE)
_OPENSSH_MAGIC = b"openssh-key-v1\0"


def _body(block: bytes) -> bytes | None:
    """The base64 body of a PEM/armored block decoded, or None when it is not valid base64."""
    lines = block.splitlines()[1:]
    text = b"".join(
        line.strip()
        for line in lines
        if line.strip()
        and not line.startswith(b"-----")
        and not _ARMOR_HEADER.match(line.strip())
        and not line.strip().startswith(b"=")  # PGP armor checksum
    )
    try:
        return base64.b64decode(text, validate=True) if text else None
    except (binascii.Error, ValueError):
        return None


def _der_sequence(data: bytes) -> bool:
    """True when ``data`` is one DER SEQUENCE whose encoded length is exactly the data's length."""
    if len(data) < 2 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        return 2 + first == len(data)
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < 2 + count:
        return False
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big") == len(data)


def _der_header(data: bytes, at: int) -> tuple[int, int, int] | None:
    """(tag, content start, content length) of the DER element at ``at``; None when malformed."""
    if at + 2 > len(data):
        return None
    tag, first = data[at], data[at + 1]
    if first < 0x80:
        return tag, at + 2, first
    count = first & 0x7F
    if count == 0 or count > 4 or at + 2 + count > len(data):
        return None
    return tag, at + 2 + count, int.from_bytes(data[at + 2 : at + 2 + count], "big")


def _oid(raw: bytes) -> str:
    parts: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if not parts:
        return ""
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in [first, parts[0] - 40 * first, *parts[1:]])


def pkcs8_algorithm(data: bytes) -> str | None:
    """The algorithm OID of an unencrypted PKCS#8 ``PrivateKeyInfo`` (version, AlgorithmIdentifier,
    OCTET STRING key), or None when ``data`` does not have that structure."""
    outer = _der_header(data, 0) if _der_sequence(data) else None
    if outer is None:
        return None
    version = _der_header(data, outer[1])
    if version is None or version[0] != 0x02 or version[2] != 1 or data[version[1]] not in (0, 1):
        return None
    algorithm = _der_header(data, version[1] + 1)
    if algorithm is None or algorithm[0] != 0x30:
        return None
    oid = _der_header(data, algorithm[1])
    if oid is None or oid[0] != 0x06 or oid[1] + oid[2] > len(data):
        return None
    key = _der_header(data, algorithm[1] + algorithm[2])
    if key is None or key[0] != 0x04 or key[1] + key[2] > len(data):
        return None
    return _oid(data[oid[1] : oid[1] + oid[2]]) or None


def _pgp_secret_key(data: bytes) -> bool:
    """True when the first OpenPGP packet is a secret key or secret subkey packet (tags 5, 7)."""
    if not data or not data[0] & 0x80:
        return False
    tag = data[0] & 0x3F if data[0] & 0x40 else (data[0] >> 2) & 0x0F
    return tag in (5, 7)


def is_key(block: bytes, info: dict[str, Any] | None = None) -> bool:
    """True when ``block`` really is a private key, not PEM header text inside a program.

    Unencrypted keys must load with pyca/cryptography; passphrase-protected ones (which cannot be
    loaded without the passphrase) and PKCS#8 keys of algorithms pyca does not know (GOST) must at
    least have the structure of one: an unencrypted PKCS#8 ``PrivateKeyInfo``, an encrypted PKCS#8 or
    PEM body that is one well-formed DER SEQUENCE, an ``openssh-key-v1`` container, or an OpenPGP
    secret-key packet. ``info`` is :func:`describe_key`'s answer when the caller already has it; for
    a PKCS#8 key pyca cannot load, its ``algorithm`` is filled in with the OID.
    """
    info = describe_key(block) if info is None else info
    if info.get("parsed"):
        return True
    header = block[:80]
    if header.startswith(b"-----BEGIN PRIVATE KEY-----"):  # PKCS#8 of an algorithm pyca does not load
        body = _body(block)
        oid = pkcs8_algorithm(body) if body else None
        if oid:
            info.update(algorithm=f"unsupported by this tool (OID {oid})")
        return oid is not None
    if b"PGP PRIVATE KEY BLOCK" in header:
        body = _body(block)
        return body is not None and _pgp_secret_key(body)
    if info.get("encrypted"):
        body = _body(block)
        if body is None:
            return False
        if b"OPENSSH PRIVATE KEY" in header:
            return body.startswith(_OPENSSH_MAGIC)
        return _der_sequence(body) or b"Proc-Type: 4,ENCRYPTED" in block
    return False


def describe_key(block: bytes) -> dict[str, Any]:
    """Type, size and SHA-256 fingerprint of the public half; ``encrypted`` when a passphrase guards it."""
    info: dict[str, Any] = {"parsed": False}
    if b"ENCRYPTED" in block[:200] or b"Proc-Type: 4,ENCRYPTED" in block:
        info["encrypted"] = True
        return info
    if b"OPENSSH PRIVATE KEY" in block[:60]:
        body = _body(block) or b""
        if (
            body.startswith(_OPENSSH_MAGIC)
            and body[len(_OPENSSH_MAGIC) + 4 : len(_OPENSSH_MAGIC) + 8] != b"none"
        ):
            info["encrypted"] = True
            return info
    try:
        if b"OPENSSH PRIVATE KEY" in block[:60]:
            key: Any = serialization.load_ssh_private_key(block, password=None)
        else:
            # identification only, the key is never used: skip the slow RSA consistency proof
            key = serialization.load_pem_private_key(
                block, password=None, unsafe_skip_rsa_key_validation=True
            )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return info
    public = key.public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = base64.b64encode(hashlib.sha256(der).digest()).decode("ascii").rstrip("=")
    info.update(parsed=True, encrypted=False, fingerprint_spki_sha256=digest)
    if isinstance(key, rsa.RSAPrivateKey):
        info.update(algorithm="RSA", bits=key.key_size)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        info.update(algorithm="EC", curve=key.curve.name, bits=key.key_size)
    elif isinstance(key, dsa.DSAPrivateKey):
        info.update(algorithm="DSA", bits=key.key_size)
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        info.update(algorithm="Ed25519", bits=256)
    elif isinstance(key, ed448.Ed448PrivateKey):
        info.update(algorithm="Ed448", bits=456)
    return info

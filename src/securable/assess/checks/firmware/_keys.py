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


def _pgp_secret_key(data: bytes) -> bool:
    """True when the first OpenPGP packet is a secret key or secret subkey packet (tags 5, 7)."""
    if not data or not data[0] & 0x80:
        return False
    tag = data[0] & 0x3F if data[0] & 0x40 else (data[0] >> 2) & 0x0F
    return tag in (5, 7)


def is_key(block: bytes, info: dict[str, Any] | None = None) -> bool:
    """True when ``block`` really is a private key, not PEM header text inside a program.

    Unencrypted keys must load with pyca/cryptography; passphrase-protected ones (which cannot be
    loaded without the passphrase) must at least have the structure of one: an encrypted PKCS#8 or
    PEM body that is one well-formed DER SEQUENCE, an ``openssh-key-v1`` container, or an OpenPGP
    secret-key packet. ``info`` is :func:`describe_key`'s answer when the caller already has it.
    """
    info = describe_key(block) if info is None else info
    if info.get("parsed"):
        return True
    header = block[:80]
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

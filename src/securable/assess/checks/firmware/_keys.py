"""Identify a private key block found in an image (type, size, public fingerprint) without keeping it."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa


def describe_key(block: bytes) -> dict[str, Any]:
    """Type, size and SHA-256 fingerprint of the public half; ``encrypted`` when a passphrase guards it."""
    info: dict[str, Any] = {"parsed": False}
    if b"ENCRYPTED" in block[:200] or b"Proc-Type: 4,ENCRYPTED" in block:
        info["encrypted"] = True
        return info
    try:
        if b"OPENSSH PRIVATE KEY" in block[:60]:
            key: Any = serialization.load_ssh_private_key(block, password=None)
        else:
            key = serialization.load_pem_private_key(block, password=None)
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

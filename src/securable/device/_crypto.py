"""The one module of ``securable.device`` that touches ``cryptography.hazmat``.

Keeping the low-level primitives here means a reviewer audits one file for algorithm choices,
and the public modules (identity, protect, update, seclog…) speak in terms of keys and
operations, not of padding and curves. Add a primitive here rather than importing hazmat
elsewhere; keep each function small and documented with why it is chosen.
"""

from __future__ import annotations

import hashlib
import os
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class KeyAlgorithm(StrEnum):
    """Signature key types a device identity may use (IEEE 802.1AR allows both)."""

    P256 = "p256"
    ED25519 = "ed25519"


# --- asymmetric keys ---------------------------------------------------------------------------


def generate_private_key(algorithm: KeyAlgorithm = KeyAlgorithm.P256) -> PrivateKey:
    if algorithm is KeyAlgorithm.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def key_algorithm(key: PrivateKey | PublicKey) -> KeyAlgorithm:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return KeyAlgorithm.ED25519
    return KeyAlgorithm.P256


def sign(key: PrivateKey, data: bytes) -> bytes:
    """Ed25519, or ECDSA with SHA-256 (DER signature) for P-256."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def verify(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` is valid for ``data``; never raises for a bad signature."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def verify_prehashed_p256(key: ec.EllipticCurvePublicKey, signature_der: bytes, digest: bytes) -> bool:
    """Verify an ECDSA signature made over a SHA-256 digest (as a PKCS#11 token produces)."""
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    try:
        key.verify(signature_der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return False
    return True


def encode_ecdsa_signature(raw: bytes) -> bytes:
    """Turn a raw r||s ECDSA signature (PKCS#11 output) into the DER form X.509 tooling expects."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


def private_key_to_pem(key: PrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def private_key_from_pem(data: bytes, passphrase: bytes | None = None) -> PrivateKey:
    key = serialization.load_pem_private_key(data, password=passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("only P-256 and Ed25519 private keys are supported")
    return key


def public_key_to_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_from_pem(data: bytes) -> PublicKey:
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise ValueError("only P-256 and Ed25519 public keys are supported")
    return key


def public_key_der(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_fingerprint(key: PublicKey) -> str:
    """SHA-256 of the SubjectPublicKeyInfo, hex: a stable key id."""
    return hashlib.sha256(public_key_der(key)).hexdigest()


def sha256_hash() -> hashes.SHA256:
    """The hash object X.509 builders need for signing with P-256 (None is used for Ed25519)."""
    return hashes.SHA256()


# --- symmetric -----------------------------------------------------------------------------------


class AeadAlgorithm(StrEnum):
    AES256_GCM = "aes-256-gcm"
    CHACHA20_POLY1305 = "chacha20-poly1305"


AEAD_NONCE_BYTES = 12


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def new_symmetric_key() -> bytes:
    """A fresh 256-bit key for AES-256-GCM, ChaCha20-Poly1305 or AES key wrap."""
    return os.urandom(32)


def aead_encrypt(algorithm: AeadAlgorithm, key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Returns nonce || ciphertext || tag; a fresh random 96-bit nonce per call."""
    nonce = os.urandom(AEAD_NONCE_BYTES)
    cipher = AESGCM(key) if algorithm is AeadAlgorithm.AES256_GCM else ChaCha20Poly1305(key)
    return nonce + cipher.encrypt(nonce, plaintext, associated_data)


def aead_decrypt(algorithm: AeadAlgorithm, key: bytes, blob: bytes, associated_data: bytes) -> bytes | None:
    """Inverse of :func:`aead_encrypt`; ``None`` when the blob or associated data was tampered with."""
    if len(blob) < AEAD_NONCE_BYTES + 16:
        return None
    cipher = AESGCM(key) if algorithm is AeadAlgorithm.AES256_GCM else ChaCha20Poly1305(key)
    try:
        return cipher.decrypt(blob[:AEAD_NONCE_BYTES], blob[AEAD_NONCE_BYTES:], associated_data)
    except InvalidTag:
        return None


def wrap_key(kek: bytes, key: bytes) -> bytes:
    """RFC 3394 AES key wrap: the standard way to store a data key under a key-encryption key."""
    return aes_key_wrap(kek, key)


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes | None:
    try:
        return aes_key_unwrap(kek, wrapped)
    except InvalidUnwrap:
        return None


def hkdf_sha256(secret: bytes, info: bytes, length: int = 32, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def aead_encrypt_detached(
    algorithm: AeadAlgorithm, key: bytes, plaintext: bytes | memoryview, associated_data: bytes
) -> tuple[bytes, bytes]:
    """Like :func:`aead_encrypt` but returns ``(nonce, ciphertext || tag)`` separately.

    Why: joining the nonce to a large ciphertext copies the whole buffer; for bulk records
    (tens of MiB) that copy costs as much as the encryption. Writers emit the two parts in turn.
    """
    nonce = os.urandom(AEAD_NONCE_BYTES)
    cipher = AESGCM(key) if algorithm is AeadAlgorithm.AES256_GCM else ChaCha20Poly1305(key)
    return nonce, cipher.encrypt(nonce, plaintext, associated_data)


def aead_decrypt_detached(
    algorithm: AeadAlgorithm,
    key: bytes,
    nonce: bytes | memoryview,
    ciphertext: bytes | memoryview,
    associated_data: bytes,
) -> bytes | None:
    """Inverse of :func:`aead_encrypt_detached` (accepts memoryviews: no copy of large inputs);
    ``None`` when anything was tampered with."""
    if len(nonce) != AEAD_NONCE_BYTES or len(ciphertext) < 16:
        return None
    cipher = AESGCM(key) if algorithm is AeadAlgorithm.AES256_GCM else ChaCha20Poly1305(key)
    try:
        return cipher.decrypt(nonce, ciphertext, associated_data)
    except InvalidTag:
        return None


# --- keystore helpers (device.keystore, device.identity) ------------------------------------------


def public_key_from_der(data: bytes) -> PublicKey:
    """Load a DER SubjectPublicKeyInfo (what a PKCS#11 token's EC public key converts to)."""
    key = serialization.load_der_public_key(data)
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise ValueError("only P-256 and Ed25519 public keys are supported")
    return key


def ed25519_public_key_from_raw(raw: bytes) -> ed25519.Ed25519PublicKey:
    """Ed25519 public keys travel as 32 raw bytes (a PKCS#11 ``CKA_EC_POINT`` holds them)."""
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def password_kdf(passphrase: bytes, salt: bytes) -> bytes:
    """A 256-bit key from a passphrase, with scrypt (n=2**15, r=8, p=1: ~32 MiB, ~0.1 s).

    Why scrypt: it is memory-hard and ships with pyca/cryptography, so a keystore passphrase
    costs an offline guesser memory as well as time without another dependency.
    """
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase)


from cryptography import x509  # noqa: E402 - appended section; certificates only, no hazmat


def certificates_to_pem(certificates: list[x509.Certificate]) -> bytes:
    """Concatenated PEM of a certificate chain (leaf first), as TLS servers and files carry it."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


# --- certificates (device.identity) ---------------------------------------------------------------


def certificate_to_pem(certificate: x509.Certificate) -> bytes:
    """PEM of a certificate; lives here because the encoding enum is a hazmat name."""
    return certificate.public_bytes(serialization.Encoding.PEM)


def certificate_signature_hash(key: PrivateKey) -> hashes.SHA256 | None:
    """The hash argument X.509 builders want: SHA-256 for ECDSA, ``None`` for Ed25519 (pure EdDSA)."""
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 over the certificate's DER, hex (what ``openssl x509 -fingerprint -sha256`` shows)."""
    return certificate.fingerprint(hashes.SHA256()).hex()

"""Device identity: manufacturer CA, IDevID-style device certificates, labels, proofs, LDevIDs.

A device that can prove *which* device it is lets its owner, a cloud service or a lab tell a
genuine unit from a clone (NIST IR 8259A capability 1, IR 8425 AI-1/AI-2, EN 303 645 5.4 and
5.5). The pieces follow IEEE 802.1AR:

* :class:`ManufacturerCA` — a root and an issuing intermediate kept by the factory (keys in a
  :class:`~securable.device.keystore.FileKeystore`, optionally passphrase-protected).
* :func:`provision_device` — on the production line: a per-device key pair generated *inside*
  the device's keystore (file or PKCS#11), and an IDevID certificate naming the serial number
  and model, valid "forever" (802.1AR's 9999-12-31), chaining to the root.
* :func:`logical_id` — a stable ``urn:uuid:`` derived from the device key (it is also in the
  certificate's subjectAltName, so a verifier recomputes and compares it), and
  :class:`PhysicalLabel` — the human-readable serial plus a QR code (segno) for the box.
* :class:`IdentityVerifier` — single-use challenges, and verification of a
  :class:`IdentityProof`: the chain is checked with pyca/cryptography's X.509 verifier against
  the manufacturer roots the verifier trusts, then the device's signature over the challenge.
* :class:`OwnerCA` — the owner's local CA that enrolls an LDevID on top of a verified IDevID
  (proof of possession of the new key included). A factory reset removes LDevIDs and keeps the
  IDevID (:meth:`DeviceIdentity.remove_local_identities`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from securable.device import _crypto
from securable.device._atomic import atomic_write
from securable.device._crypto import KeyAlgorithm, PublicKey
from securable.device.keystore import FileKeystore, Keystore
from securable.errors import IdentityError

__all__ = [
    "IDEVID_KEY",
    "LDEVID_KEY",
    "DeviceIdentity",
    "EnrollmentRequest",
    "IdentityProof",
    "IdentityVerifier",
    "ManufacturerCA",
    "OwnerCA",
    "PhysicalLabel",
    "VerifiedIdentity",
    "describe",
    "describe_chain",
    "load_certificates",
    "logical_id",
    "provision_device",
]

IDEVID_KEY = "idevid"
LDEVID_KEY = "ldevid"
# 802.1AR: an IDevID has no meaningful expiry; GeneralizedTime 99991231235959Z says so.
_NO_EXPIRY = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
_PROOF_CONTEXT = b"securable identity proof v1\x00"
_ENROLL_CONTEXT = b"securable ldevid possession v1\x00"
_ID_NAMESPACE = b"securable device id v1\x00"


class _Log(Protocol):
    def record(self, event: str, outcome: str, /, **details: Any) -> Any: ...


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(**attrs: str) -> x509.Name:
    oids = {
        "common_name": NameOID.COMMON_NAME,
        "organization": NameOID.ORGANIZATION_NAME,
        "serial_number": NameOID.SERIAL_NUMBER,
        "model": NameOID.PSEUDONYM,  # 802.1AR leaves the model attribute to the maker; see module doc
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in attrs.items() if v])


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def logical_id(public_key: PublicKey) -> str:
    """The device's logical identifier: a name-based UUID (RFC 9562 v8) of its public key.

    Derived from the key rather than from the certificate bytes so it can sit inside the
    certificate (subjectAltName) and survive re-issuing the certificate for the same key.
    """
    digest = hashlib.sha256(_ID_NAMESPACE + _crypto.public_key_der(public_key)).digest()
    raw = bytearray(digest[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8 (set by hand: Python < 3.14 refuses version=8)
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122/9562 variant
    return uuid.UUID(bytes=bytes(raw)).urn


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle; a clear error when there is none."""
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise IdentityError(
            f"not a PEM certificate bundle: {exc}",
            diagnostics="pass the PEM file written by provisioning (BEGIN CERTIFICATE blocks)",
            exit_code=2,
        ) from exc
    return certs


def _sign_certificate(builder: x509.CertificateBuilder, key: _crypto.PrivateKey) -> x509.Certificate:
    return builder.sign(key, _crypto.certificate_signature_hash(key))


def _ca_certificate(
    subject: x509.Name,
    public_key: PublicKey,
    issuer: x509.Name,
    issuer_key: _crypto.PrivateKey,
    *,
    path_length: int,
    now: dt.datetime,
    years: int,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    return _sign_certificate(builder, issuer_key)


def _end_entity_certificate(
    *,
    subject: x509.Name,
    public_key: PublicKey,
    issuer: x509.Certificate,
    issuer_key: _crypto.PrivateKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(logical_id(public_key))]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    return _sign_certificate(builder, issuer_key)


# --- manufacturing ---------------------------------------------------------------------------------


@dataclass
class ManufacturerCA:
    """The factory's root and issuing intermediate, with keys in a file keystore in ``directory``."""

    directory: Path
    root: x509.Certificate
    intermediate: x509.Certificate
    keys: FileKeystore

    @classmethod
    def create(
        cls,
        directory: Path | str,
        organization: str,
        *,
        passphrase: bytes | None = None,
        now: dt.datetime | None = None,
    ) -> ManufacturerCA:
        """A new root (20 years, path length 1) and intermediate (10 years, path length 0)."""
        directory = Path(directory)
        if (directory / "root.pem").exists():
            raise IdentityError(
                f"a manufacturer CA already exists in {directory}",
                diagnostics="open it with ManufacturerCA.open() or choose an empty directory",
                exit_code=2,
            )
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        now = now or _utcnow()
        keys = FileKeystore(directory / "keys", passphrase=passphrase)
        keys.generate("root")
        keys.generate("intermediate")
        root_key, int_key = keys.private_key("root"), keys.private_key("intermediate")
        root_name = _name(common_name=f"{organization} Device Root CA", organization=organization)
        int_name = _name(common_name=f"{organization} Device Issuing CA", organization=organization)
        root = _ca_certificate(
            root_name, root_key.public_key(), root_name, root_key, path_length=1, now=now, years=20
        )
        intermediate = _ca_certificate(
            int_name, int_key.public_key(), root_name, root_key, path_length=0, now=now, years=10
        )
        atomic_write(directory / "root.pem", _crypto.certificate_to_pem(root), mode=0o644)
        atomic_write(directory / "intermediate.pem", _crypto.certificate_to_pem(intermediate), mode=0o644)
        return cls(directory, root, intermediate, keys)

    @classmethod
    def open(cls, directory: Path | str, *, passphrase: bytes | None = None) -> ManufacturerCA:
        directory = Path(directory)
        try:
            root = load_certificates((directory / "root.pem").read_bytes())[0]
            intermediate = load_certificates((directory / "intermediate.pem").read_bytes())[0]
        except FileNotFoundError as exc:
            raise IdentityError(
                f"no manufacturer CA in {directory}",
                diagnostics="create one with ManufacturerCA.create()",
                exit_code=2,
            ) from exc
        return cls(directory, root, intermediate, FileKeystore(directory / "keys", passphrase=passphrase))

    def issue_device_certificate(
        self,
        public_key: PublicKey,
        *,
        serial_number: str,
        model: str,
        now: dt.datetime | None = None,
    ) -> x509.Certificate:
        """An IDevID certificate: serial number and model in the subject, no expiry."""
        if not serial_number or not model:
            raise IdentityError(
                "a device certificate needs a serial number and a model",
                diagnostics="pass serial_number='…' and model='…'",
                exit_code=2,
            )
        now = now or _utcnow()
        organization = _attr(self.root.subject, NameOID.ORGANIZATION_NAME) or ""
        return _end_entity_certificate(
            subject=_name(
                common_name=f"{model} {serial_number}",
                organization=organization,
                serial_number=serial_number,
                model=model,
            ),
            public_key=public_key,
            issuer=self.intermediate,
            issuer_key=self.keys.private_key("intermediate"),
            not_before=now - dt.timedelta(minutes=5),
            not_after=_NO_EXPIRY,
        )


# --- the device side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityProof:
    """What a device sends to prove who it is: its chain (leaf first) and a signature."""

    chain_pem: bytes
    signature: bytes

    def to_json(self) -> dict[str, str]:
        return {"chain": self.chain_pem.decode(), "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> IdentityProof:
        try:
            return cls(data["chain"].encode(), bytes.fromhex(data["signature"]))
        except (KeyError, ValueError, AttributeError) as exc:
            raise IdentityError(
                "malformed identity proof",
                diagnostics="a proof is a JSON object with 'chain' (PEM) and 'signature' (hex)",
                exit_code=2,
            ) from exc


@dataclass(frozen=True)
class EnrollmentRequest:
    """An LDevID request: a fresh key's public half, its possession signature and an IDevID proof."""

    public_key_pem: bytes
    possession_signature: bytes
    idevid_proof: IdentityProof


@dataclass(frozen=True)
class PhysicalLabel:
    """The human-readable side of a device's identity, for the box and the device itself."""

    serial_number: str
    model: str
    logical_id: str

    @property
    def payload(self) -> str:
        """What the QR code holds: short key=value fields a scanner app splits on ';'."""
        return f"SN:{self.serial_number};M:{self.model};ID:{self.logical_id}"

    @property
    def text(self) -> str:
        return f"{self.model}  S/N {self.serial_number}"

    def save_qr(self, path: Path | str, *, scale: int = 4) -> Path:
        """Write the QR code; the format follows the suffix (``.png`` or ``.svg``)."""
        import segno

        path = Path(path)
        if path.suffix.lower() not in {".png", ".svg"}:
            raise IdentityError(
                f"unsupported label format {path.suffix!r} for {path}",
                diagnostics="use a .png or .svg file name",
                exit_code=2,
            )
        segno.make(self.payload, error="m").save(str(path), scale=scale)
        return path


@dataclass
class DeviceIdentity:
    """A device's identities: the IDevID (and an LDevID once enrolled) with keys in a keystore.

    Certificates live as PEM files in ``directory`` (``idevid.pem``, ``ldevid.pem``: leaf first,
    then the issuing chain); the private keys never leave the keystore.
    """

    directory: Path
    keystore: Keystore
    chain: list[x509.Certificate]
    log: _Log | None = None
    ldevid_chain: list[x509.Certificate] | None = field(default=None)

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def serial_number(self) -> str:
        return _attr(self.certificate.subject, NameOID.SERIAL_NUMBER) or ""

    @property
    def model(self) -> str:
        return _attr(self.certificate.subject, NameOID.PSEUDONYM) or ""

    @property
    def logical_id(self) -> str:
        return logical_id(self.keystore.public_key(IDEVID_KEY))

    @property
    def label(self) -> PhysicalLabel:
        return PhysicalLabel(self.serial_number, self.model, self.logical_id)

    @classmethod
    def load(cls, directory: Path | str, keystore: Keystore, *, log: _Log | None = None) -> DeviceIdentity:
        directory = Path(directory)
        path = directory / "idevid.pem"
        if not path.exists():
            raise IdentityError(
                f"no device identity in {directory}",
                diagnostics="provision the device first (securable.device.identity.provision_device)",
                exit_code=2,
            )
        chain = load_certificates(path.read_bytes())
        if not keystore.exists(IDEVID_KEY):
            raise IdentityError(
                f"the keystore has no {IDEVID_KEY!r} key for the certificate in {path}",
                diagnostics="open the keystore the device was provisioned with",
                exit_code=2,
            )
        if _crypto.public_key_der(keystore.public_key(IDEVID_KEY)) != _crypto.public_key_der(
            _public_key(chain[0])
        ):
            raise IdentityError(
                f"the certificate in {path} does not belong to the keystore's {IDEVID_KEY!r} key",
                diagnostics="restore the matching idevid.pem or keystore",
            )
        ldevid_path = directory / "ldevid.pem"
        ldevid = load_certificates(ldevid_path.read_bytes()) if ldevid_path.exists() else None
        return cls(directory, keystore, chain, log, ldevid)

    def prove(self, challenge: bytes, *, use_ldevid: bool = False) -> IdentityProof:
        """Sign a verifier's challenge with the IDevID (or LDevID) key."""
        chain, key_id = (self.chain, IDEVID_KEY)
        if use_ldevid:
            if self.ldevid_chain is None:
                raise IdentityError(
                    "no LDevID is enrolled on this device",
                    diagnostics="enroll one first (enrollment_request → OwnerCA.enroll → install_ldevid)",
                    exit_code=2,
                )
            chain, key_id = (self.ldevid_chain, LDEVID_KEY)
        signature = self.keystore.sign(key_id, _PROOF_CONTEXT + challenge)
        return IdentityProof(_crypto.certificates_to_pem(chain), signature)

    def enrollment_request(
        self, challenge: bytes, algorithm: KeyAlgorithm = KeyAlgorithm.P256
    ) -> EnrollmentRequest:
        """Create the LDevID key and a request binding it to this device's IDevID and the challenge."""
        if self.keystore.exists(LDEVID_KEY):
            self.keystore.delete(LDEVID_KEY)
        public_pem = _crypto.public_key_to_pem(self.keystore.generate(LDEVID_KEY, algorithm))
        bound = challenge + hashlib.sha256(public_pem).digest()
        possession = self.keystore.sign(LDEVID_KEY, _ENROLL_CONTEXT + bound)
        return EnrollmentRequest(public_pem, possession, self.prove(bound))

    def install_ldevid(self, chain: Sequence[x509.Certificate]) -> None:
        """Store an LDevID chain issued by the owner; it must be for this device's LDevID key."""
        if (
            not chain
            or not self.keystore.exists(LDEVID_KEY)
            or _crypto.public_key_der(_public_key(chain[0]))
            != _crypto.public_key_der(self.keystore.public_key(LDEVID_KEY))
        ):
            raise IdentityError(
                "the LDevID certificate is not for this device's LDevID key",
                diagnostics="install the certificate OwnerCA.enroll() returned for this device's request",
                exit_code=2,
            )
        atomic_write(self.directory / "ldevid.pem", _crypto.certificates_to_pem(list(chain)), mode=0o644)
        self.ldevid_chain = list(chain)
        if self.log is not None:
            self.log.record(
                "identity.enroll",
                "success",
                kind="ldevid",
                issuer=chain[0].issuer.rfc4514_string(),
                serial=format(chain[0].serial_number, "x"),
            )

    def remove_local_identities(self) -> list[str]:
        """Factory reset: drop the LDevID certificate and key; the IDevID stays. Returns what went."""
        removed: list[str] = []
        path = self.directory / "ldevid.pem"
        if path.exists():
            path.unlink()
            removed.append(str(path))
        if self.keystore.exists(LDEVID_KEY):
            self.keystore.delete(LDEVID_KEY)
            removed.append(f"key:{LDEVID_KEY}")
        self.ldevid_chain = None
        return removed


def provision_device(
    ca: ManufacturerCA,
    keystore: Keystore,
    directory: Path | str,
    *,
    serial_number: str,
    model: str,
    algorithm: KeyAlgorithm = KeyAlgorithm.P256,
    now: dt.datetime | None = None,
    log: _Log | None = None,
) -> DeviceIdentity:
    """Production-line provisioning: key generated in the device keystore, IDevID issued and stored.

    Refuses a device that already has an IDevID: a birth certificate is issued once.
    """
    directory = Path(directory)
    if (directory / "idevid.pem").exists() or keystore.exists(IDEVID_KEY):
        raise IdentityError(
            f"device in {directory} is already provisioned",
            diagnostics="an IDevID is permanent; provision a new device or use an LDevID for local names",
            exit_code=2,
        )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    public_key = keystore.generate(IDEVID_KEY, algorithm)
    certificate = ca.issue_device_certificate(public_key, serial_number=serial_number, model=model, now=now)
    chain = [certificate, ca.intermediate]
    atomic_write(directory / "idevid.pem", _crypto.certificates_to_pem(chain), mode=0o644)
    if log is not None:
        log.record("identity.enroll", "success", kind="idevid", serial_number=serial_number, model=model)
    return DeviceIdentity(directory, keystore, chain, log)


def _public_key(certificate: x509.Certificate) -> PublicKey:
    key = certificate.public_key()
    if not isinstance(key, PublicKey):
        raise IdentityError(
            f"unsupported key type in certificate {certificate.subject.rfc4514_string()}",
            diagnostics="device identities use P-256 or Ed25519 keys",
        )
    return key


# --- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedIdentity:
    """The result of a successful proof: who the device is and the chain that says so."""

    serial_number: str
    model: str
    logical_id: str
    chain: tuple[x509.Certificate, ...]


class IdentityVerifier:
    """Checks identity proofs against the roots it trusts (manufacturer roots, or an owner CA).

    Challenges are random, single-use and expire after ``challenge_ttl`` seconds, so a
    recorded proof cannot be replayed.
    """

    def __init__(
        self,
        roots: Sequence[x509.Certificate],
        *,
        now: Callable[[], dt.datetime] = _utcnow,
        challenge_ttl: float = 120.0,
        log: _Log | None = None,
    ) -> None:
        if not roots:
            raise IdentityError(
                "no trusted roots given", diagnostics="pass the manufacturer root", exit_code=2
            )
        self._store = Store(list(roots))
        self._now = now
        self._ttl = dt.timedelta(seconds=challenge_ttl)
        self._issued: dict[bytes, dt.datetime] = {}
        self._lock = threading.Lock()
        self.log = log

    def challenge(self) -> bytes:
        nonce = os.urandom(32)
        with self._lock:
            now = self._now()
            self._issued = {n: t for n, t in self._issued.items() if now - t <= self._ttl}
            self._issued[nonce] = now
        return nonce

    def _consume(self, challenge: bytes) -> None:
        with self._lock:
            issued = self._issued.pop(challenge, None)
        if issued is None or self._now() - issued > self._ttl:
            raise IdentityError(
                "unknown, used or expired challenge",
                diagnostics="ask for a fresh challenge and answer it within its lifetime",
            )

    def verify_chain(self, chain: Sequence[x509.Certificate]) -> VerifiedIdentity:
        """Path validation with pyca/cryptography's X.509 verifier (client-auth profile)."""
        if not chain:
            raise IdentityError("empty certificate chain", diagnostics="send the leaf first", exit_code=2)
        verifier = PolicyBuilder().store(self._store).time(self._now()).build_client_verifier()
        try:
            verified = verifier.verify(chain[0], list(chain[1:]))
        except VerificationError as exc:
            raise IdentityError(
                f"certificate chain does not verify: {exc}",
                diagnostics="the device certificate must chain to a trusted manufacturer or owner root",
            ) from exc
        leaf = chain[0]
        expected = logical_id(_public_key(leaf))
        names = [n.value for n in (verified.subjects or []) if isinstance(n, x509.UniformResourceIdentifier)]
        if expected not in names:
            raise IdentityError(
                "the certificate's identifier does not match its key",
                diagnostics="re-issue the device certificate with identity.provision_device",
            )
        return VerifiedIdentity(
            serial_number=_attr(leaf.subject, NameOID.SERIAL_NUMBER) or "",
            model=_attr(leaf.subject, NameOID.PSEUDONYM) or "",
            logical_id=expected,
            chain=tuple(verified.chain),
        )

    def verify(self, proof: IdentityProof, challenge: bytes) -> VerifiedIdentity:
        """Verify a proof answering ``challenge`` (which must come from :meth:`challenge`)."""
        try:
            self._consume(challenge)
            return self._verify_signed(proof, _PROOF_CONTEXT + challenge)
        except IdentityError as exc:
            if self.log is not None:
                self.log.record("auth.failure", "failure", method="device-identity", reason=str(exc))
            raise

    def verify_offline(self, proof: IdentityProof, challenge: bytes) -> VerifiedIdentity:
        """Verify a proof over a challenge this verifier did not issue (a lab checking a recording).

        No freshness: whoever chose the challenge must know it was fresh. Online, use :meth:`verify`.
        """
        return self._verify_signed(proof, _PROOF_CONTEXT + challenge)

    def _verify_signed(self, proof: IdentityProof, message: bytes) -> VerifiedIdentity:
        identity = self.verify_chain(load_certificates(proof.chain_pem))
        if not _crypto.verify(_public_key(identity.chain[0]), proof.signature, message):
            raise IdentityError(
                "the proof signature does not verify with the device certificate's key",
                diagnostics="the device must sign the challenge with its identity key",
            )
        if self.log is not None:
            self.log.record(
                "auth.success",
                "success",
                method="device-identity",
                serial_number=identity.serial_number,
                logical_id=identity.logical_id,
            )
        return identity


# --- the owner's side: LDevID enrollment ---------------------------------------------------------------


@dataclass
class OwnerCA:
    """The owner's local CA: issues LDevIDs to devices whose IDevID it has verified."""

    certificate: x509.Certificate
    keys: FileKeystore
    validity_days: int = 730

    @classmethod
    def create(
        cls,
        directory: Path | str,
        name: str,
        *,
        passphrase: bytes | None = None,
        now: dt.datetime | None = None,
    ) -> OwnerCA:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        keys = FileKeystore(directory / "keys", passphrase=passphrase)
        keys.generate("owner-ca")
        key = keys.private_key("owner-ca")
        subject = _name(common_name=f"{name} Local Device CA", organization=name)
        cert = _ca_certificate(
            subject, key.public_key(), subject, key, path_length=0, now=now or _utcnow(), years=10
        )
        atomic_write(directory / "owner-ca.pem", _crypto.certificate_to_pem(cert), mode=0o644)
        return cls(cert, keys)

    def enroll(
        self,
        request: EnrollmentRequest,
        challenge: bytes,
        manufacturer: IdentityVerifier,
        *,
        now: dt.datetime | None = None,
    ) -> list[x509.Certificate]:
        """Verify the IDevID proof and possession of the new key, then issue the LDevID chain."""
        manufacturer._consume(challenge)
        bound = challenge + hashlib.sha256(request.public_key_pem).digest()
        identity = manufacturer._verify_signed(request.idevid_proof, _PROOF_CONTEXT + bound)
        try:
            new_key = _crypto.public_key_from_pem(request.public_key_pem)
        except ValueError as exc:
            raise IdentityError(
                f"enrollment request carries an unusable key: {exc}",
                diagnostics="request a P-256 or Ed25519 LDevID key",
                exit_code=2,
            ) from exc
        if not _crypto.verify(new_key, request.possession_signature, _ENROLL_CONTEXT + bound):
            raise IdentityError(
                "the enrollment request does not prove possession of the new key",
                diagnostics="the device must sign the request with the LDevID key it generated",
            )
        now = now or _utcnow()
        leaf = _end_entity_certificate(
            subject=_name(
                common_name=f"{identity.model} {identity.serial_number}",
                serial_number=identity.serial_number,
                model=identity.model,
            ),
            public_key=new_key,
            issuer=self.certificate,
            issuer_key=self.keys.private_key("owner-ca"),
            not_before=now - dt.timedelta(minutes=5),
            not_after=now + dt.timedelta(days=self.validity_days),
        )
        return [leaf]


def describe_chain(
    chain: Sequence[x509.Certificate], ldevid_chain: Sequence[x509.Certificate] | None = None
) -> dict[str, Any]:
    """A JSON-ready summary of an identity from its certificates alone (no key access needed)."""
    cert = chain[0]
    key = _public_key(cert)
    serial, model, ident = (
        _attr(cert.subject, NameOID.SERIAL_NUMBER) or "",
        _attr(cert.subject, NameOID.PSEUDONYM) or "",
        logical_id(key),
    )
    return {
        "serial_number": serial,
        "model": model,
        "logical_id": ident,
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "key_algorithm": _crypto.key_algorithm(key).value,
        "fingerprint_sha256": _crypto.certificate_fingerprint(cert),
        "ldevid": ldevid_chain[0].subject.rfc4514_string() if ldevid_chain else None,
        "label": PhysicalLabel(serial, model, ident).payload,
    }


def describe(identity: DeviceIdentity) -> dict[str, Any]:
    """:func:`describe_chain` plus where the key lives, for a device's own identity."""
    return {**describe_chain(identity.chain, identity.ldevid_chain), "keystore": identity.keystore.backend}

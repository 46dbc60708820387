"""One interface for the device's keys and secrets, with a file backend and a PKCS#11 backend.

Everything that signs on behalf of the device (identity proofs, log checkpoints, TLS) or keeps a
secret (the data vault's key-encryption keys) goes through :class:`Keystore`, so a product moves
from files to a secure element or HSM by swapping the backend, not the callers (NIST IR 8259A
capability 1 and 4; EN 303 645 5.4). Every signature is recorded as a ``key.use`` event when a
security log is attached: a key used by something unexpected shows up in the log.

* :class:`FileKeystore` — PKCS#8 PEM files, 0600 in a 0700 directory, encrypted with a
  passphrase when one is given (secrets too: AES-256-GCM under a scrypt-derived key), written
  atomically. Private keys can be exported (:meth:`FileKeystore.private_key_pem`), which a TLS
  server built on Python's ``ssl`` needs.
* :class:`Pkcs11Keystore` — keys generated on a PKCS#11 token (SoftHSM2 in tests; a TPM via
  tpm2-pkcs11 or an HSM in production) and never extractable. Secrets are stored as token
  generic-secret objects (private to the logged-in user, readable back because the vault needs
  the bytes); products with a token that supports unwrapping should prefer keeping a
  key-encryption key on the token and storing only wrapped secrets.
"""

from __future__ import annotations

import builtins
import hashlib
import re
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Protocol

from securable.device import _crypto
from securable.device._atomic import atomic_write
from securable.device._crypto import KeyAlgorithm, PublicKey
from securable.errors import KeystoreError

__all__ = ["FileKeystore", "KeyAlgorithm", "Keystore", "Pkcs11Keystore"]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class _Log(Protocol):
    def record(self, event: str, outcome: str, /, **details: Any) -> Any: ...


def _check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise KeystoreError(
            f"invalid {kind} name {name!r}",
            diagnostics="use 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit",
            exit_code=2,
        )
    return name


def _missing(kind: str, name: str) -> KeystoreError:
    return KeystoreError(
        f"no {kind} {name!r} in the keystore", diagnostics=f"create the {kind} first (generate / put_secret)"
    )


class Keystore(ABC):
    """Keys (``generate``/``sign``/``public_key``/``delete``) and secrets (``put/get/delete_secret``)."""

    backend = "abstract"

    def __init__(self, log: _Log | None = None) -> None:
        self.log = log

    def attach_log(self, log: _Log | None) -> None:
        """Record every signature from now on (the log may be created after the keystore)."""
        self.log = log

    # --- keys ------------------------------------------------------------------------------------

    @abstractmethod
    def generate(self, key_id: str, algorithm: KeyAlgorithm = KeyAlgorithm.P256) -> PublicKey:
        """Create a new key pair named ``key_id`` and return its public key; refuses to overwrite."""

    @abstractmethod
    def public_key(self, key_id: str) -> PublicKey: ...

    @abstractmethod
    def algorithm(self, key_id: str) -> KeyAlgorithm: ...

    @abstractmethod
    def _sign(self, key_id: str, data: bytes) -> bytes: ...

    def sign(self, key_id: str, data: bytes) -> bytes:
        """Sign ``data``: DER ECDSA with SHA-256 for P-256 keys, plain Ed25519 otherwise."""
        signature = self._sign(_check_name("key", key_id), data)
        self._audit("key.use", key_id, operation="sign")
        return signature

    @abstractmethod
    def delete(self, key_id: str) -> None: ...

    @abstractmethod
    def exists(self, key_id: str) -> bool: ...

    @abstractmethod
    def list(self) -> builtins.list[str]: ...

    # --- secrets ---------------------------------------------------------------------------------

    @abstractmethod
    def put_secret(self, name: str, value: bytes) -> None: ...

    @abstractmethod
    def get_secret(self, name: str) -> bytes: ...

    @abstractmethod
    def delete_secret(self, name: str) -> None: ...

    @abstractmethod
    def list_secrets(self) -> builtins.list[str]: ...

    def _audit(self, event: str, key_id: str, **details: Any) -> None:
        if self.log is not None:
            self.log.record(event, "success", key_id=key_id, backend=self.backend, **details)

    def _refuse_existing(self, key_id: str) -> None:
        if self.exists(key_id):
            raise KeystoreError(
                f"key {key_id!r} already exists",
                diagnostics="delete it first or choose another key id",
                exit_code=2,
            )


# --- files -------------------------------------------------------------------------------------------


class FileKeystore(Keystore):
    """Keys and secrets as files under ``path`` (see the module docstring).

    Layout: ``keys/<id>.pem`` (PKCS#8), ``keys/<id>.pub.pem``, ``secrets/<name>.bin``, and
    ``salt`` (scrypt salt, only with a passphrase). A wrong passphrase raises KeystoreError.
    """

    backend = "file"

    def __init__(
        self, path: Path | str, passphrase: str | bytes | None = None, *, log: _Log | None = None
    ) -> None:
        super().__init__(log)
        self.path = Path(path)
        self._passphrase = passphrase.encode() if isinstance(passphrase, str) else passphrase
        self._keys = self.path / "keys"
        self._secrets = self.path / "secrets"
        for directory in (self.path, self._keys, self._secrets):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            directory.chmod(0o700)
        self._secret_key: bytes | None = None
        self._cache: dict[str, _crypto.PrivateKey] = {}
        self._lock = threading.RLock()

    def _key_path(self, key_id: str) -> Path:
        return self._keys / f"{_check_name('key', key_id)}.pem"

    def generate(self, key_id: str, algorithm: KeyAlgorithm = KeyAlgorithm.P256) -> PublicKey:
        with self._lock:
            self._refuse_existing(key_id)
            public = self.import_private_key(key_id, _crypto.generate_private_key(KeyAlgorithm(algorithm)))
        self._audit("key.create", key_id, algorithm=KeyAlgorithm(algorithm).value)
        return public

    def import_private_key(self, key_id: str, key: _crypto.PrivateKey) -> PublicKey:
        """Store an existing private key (a migration, or a key made by manufacturing tooling)."""
        path = self._key_path(key_id)
        with self._lock:
            atomic_write(path, _crypto.private_key_to_pem(key, self._passphrase))
            atomic_write(
                path.with_suffix(".pub.pem"), _crypto.public_key_to_pem(key.public_key()), mode=0o644
            )
            self._cache[key_id] = key
        return key.public_key()

    def private_key(self, key_id: str) -> _crypto.PrivateKey:
        """The private key object (file backend only: the CA signs certificates with it)."""
        with self._lock:
            cached = self._cache.get(key_id)
            if cached is not None:
                return cached
            path = self._key_path(key_id)
            if not path.exists():
                raise _missing("key", key_id)
            try:
                key = _crypto.private_key_from_pem(path.read_bytes(), self._passphrase)
            except (ValueError, TypeError) as exc:
                raise KeystoreError(
                    f"cannot load key {key_id!r} from {path}",
                    diagnostics="check the keystore passphrase (or that the file is an unaltered PKCS#8 PEM)",
                ) from exc
            self._cache[key_id] = key
            return key

    def private_key_pem(self, key_id: str) -> bytes:
        """Unencrypted PKCS#8 PEM for Python's ``ssl`` (write it 0600, keep it on tmpfs if you can)."""
        return _crypto.private_key_to_pem(self.private_key(key_id))

    def public_key(self, key_id: str) -> PublicKey:
        pub = self._key_path(key_id).with_suffix(".pub.pem")
        if pub.exists():
            return _crypto.public_key_from_pem(pub.read_bytes())
        return self.private_key(key_id).public_key()

    def algorithm(self, key_id: str) -> KeyAlgorithm:
        return _crypto.key_algorithm(self.public_key(key_id))

    def _sign(self, key_id: str, data: bytes) -> bytes:
        return _crypto.sign(self.private_key(key_id), data)

    def delete(self, key_id: str) -> None:
        path = self._key_path(key_id)
        with self._lock:
            if not path.exists():
                raise _missing("key", key_id)
            path.unlink()
            path.with_suffix(".pub.pem").unlink(missing_ok=True)
            self._cache.pop(key_id, None)
        self._audit("key.delete", key_id)

    def exists(self, key_id: str) -> bool:
        return self._key_path(key_id).exists()

    def list(self) -> builtins.list[str]:
        return sorted(
            p.name[: -len(".pem")] for p in self._keys.glob("*.pem") if not p.name.endswith(".pub.pem")
        )

    # secrets

    def _secret_path(self, name: str) -> Path:
        return self._secrets / f"{_check_name('secret', name)}.bin"

    def _sealing_key(self) -> bytes | None:
        if self._passphrase is None:
            return None
        if self._secret_key is None:
            salt_path = self.path / "salt"
            if not salt_path.exists():
                atomic_write(salt_path, _crypto.random_bytes(16))
            self._secret_key = _crypto.password_kdf(self._passphrase, salt_path.read_bytes())
        return self._secret_key

    def put_secret(self, name: str, value: bytes) -> None:
        path = self._secret_path(name)
        with self._lock:
            key = self._sealing_key()
            blob = (
                value
                if key is None
                else _crypto.aead_encrypt(_crypto.AeadAlgorithm.AES256_GCM, key, value, name.encode())
            )
            atomic_write(path, blob)

    def get_secret(self, name: str) -> bytes:
        path = self._secret_path(name)
        with self._lock:
            if not path.exists():
                raise _missing("secret", name)
            blob = path.read_bytes()
            key = self._sealing_key()
            if key is None:
                return blob
            value = _crypto.aead_decrypt(_crypto.AeadAlgorithm.AES256_GCM, key, blob, name.encode())
            if value is None:
                raise KeystoreError(
                    f"secret {name!r} cannot be decrypted",
                    diagnostics="check the keystore passphrase; the file may have been altered or moved",
                )
            return value

    def delete_secret(self, name: str) -> None:
        path = self._secret_path(name)
        with self._lock:
            if not path.exists():
                raise _missing("secret", name)
            path.unlink()

    def list_secrets(self) -> builtins.list[str]:
        return sorted(p.stem for p in self._secrets.glob("*.bin"))


# --- PKCS#11 -----------------------------------------------------------------------------------------


class Pkcs11Keystore(Keystore):
    """Keys on a PKCS#11 token (``module_path`` e.g. ``/usr/lib/softhsm/libsofthsm2.so``).

    One logged-in read-write session is held for the keystore's life (``close()`` ends it).
    P-256 signatures: SHA-256 in software, then the token's raw ``CKM_ECDSA`` over the digest
    (SoftHSM2 and many tokens lack ``CKM_ECDSA_SHA256``), re-encoded as DER.
    """

    backend = "pkcs11"

    def __init__(self, module_path: str, token_label: str, pin: str, *, log: _Log | None = None) -> None:
        super().__init__(log)
        import pkcs11

        self._p11 = pkcs11
        try:
            self._token = pkcs11.lib(module_path).get_token(token_label=token_label)
            self._session = self._token.open(user_pin=pin, rw=True)
        except (pkcs11.exceptions.PKCS11Error, RuntimeError, OSError) as exc:
            raise KeystoreError(
                f"cannot open PKCS#11 token {token_label!r} with {module_path}: {type(exc).__name__}",
                diagnostics="check the module path, the token label and the user PIN",
                exit_code=2,
            ) from exc
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def __enter__(self) -> Pkcs11Keystore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _find(self, object_class: Any, label: str) -> Any | None:
        objs = list(
            self._session.get_objects(
                {self._p11.Attribute.CLASS: object_class, self._p11.Attribute.LABEL: label}
            )
        )
        return objs[0] if objs else None

    def _private(self, key_id: str) -> Any:
        key = self._find(self._p11.ObjectClass.PRIVATE_KEY, _check_name("key", key_id))
        if key is None:
            raise _missing("key", key_id)
        return key

    def generate(self, key_id: str, algorithm: KeyAlgorithm = KeyAlgorithm.P256) -> PublicKey:
        from pkcs11 import Attribute, KeyType, Mechanism
        from pkcs11.util.ec import encode_named_curve_parameters

        _check_name("key", key_id)
        algorithm = KeyAlgorithm(algorithm)
        with self._lock:
            self._refuse_existing(key_id)
            private_template = {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False}
            if algorithm is KeyAlgorithm.ED25519:
                params = self._session.create_domain_parameters(
                    KeyType.EC_EDWARDS,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters("1.3.101.112")},
                    local=True,
                )
                params.generate_keypair(
                    store=True,
                    label=key_id,
                    id=key_id.encode(),
                    mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                    private_template=private_template,
                )
            else:
                params = self._session.create_domain_parameters(
                    KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
                )
                params.generate_keypair(
                    store=True, label=key_id, id=key_id.encode(), private_template=private_template
                )
        self._audit("key.create", key_id, algorithm=algorithm.value)
        return self.public_key(key_id)

    def public_key(self, key_id: str) -> PublicKey:
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_ec_public_key

        with self._lock:
            pub = self._find(self._p11.ObjectClass.PUBLIC_KEY, _check_name("key", key_id))
            if pub is None:
                raise _missing("key", key_id)
            if pub.key_type == KeyType.EC_EDWARDS:
                point = bytes(pub[Attribute.EC_POINT])
                return _crypto.ed25519_public_key_from_raw(point[-32:])  # DER OCTET STRING 04 20 || key
            return _crypto.public_key_from_der(encode_ec_public_key(pub))

    def algorithm(self, key_id: str) -> KeyAlgorithm:
        from pkcs11 import KeyType

        with self._lock:
            return (
                KeyAlgorithm.ED25519
                if self._private(key_id).key_type == KeyType.EC_EDWARDS
                else KeyAlgorithm.P256
            )

    def _sign(self, key_id: str, data: bytes) -> bytes:
        from pkcs11 import KeyType, Mechanism

        with self._lock:
            key = self._private(key_id)
            if key.key_type == KeyType.EC_EDWARDS:
                return bytes(key.sign(data, mechanism=Mechanism.EDDSA))
            raw = key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)
        return _crypto.encode_ecdsa_signature(bytes(raw))

    def delete(self, key_id: str) -> None:
        with self._lock:
            private = self._private(key_id)
            public = self._find(self._p11.ObjectClass.PUBLIC_KEY, key_id)
            private.destroy()
            if public is not None:
                public.destroy()
        self._audit("key.delete", key_id)

    def exists(self, key_id: str) -> bool:
        with self._lock:
            return self._find(self._p11.ObjectClass.PRIVATE_KEY, _check_name("key", key_id)) is not None

    def list(self) -> builtins.list[str]:
        attr = self._p11.Attribute
        with self._lock:
            objs = self._session.get_objects({attr.CLASS: self._p11.ObjectClass.PRIVATE_KEY})
            return sorted(str(o[attr.LABEL]) for o in objs)

    # secrets: CKO_SECRET_KEY / CKK_GENERIC_SECRET, private to the user (see the module docstring)

    def put_secret(self, name: str, value: bytes) -> None:
        from pkcs11 import Attribute, KeyType, ObjectClass

        _check_name("secret", name)
        with self._lock:
            old = self._find(ObjectClass.SECRET_KEY, name)
            self._session.create_object(
                {
                    Attribute.CLASS: ObjectClass.SECRET_KEY,
                    Attribute.KEY_TYPE: KeyType.GENERIC_SECRET,
                    Attribute.VALUE: bytes(value),
                    Attribute.LABEL: name,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: False,
                    Attribute.EXTRACTABLE: True,
                }
            )
            if old is not None:  # replace only once the new value is stored
                old.destroy()

    def get_secret(self, name: str) -> bytes:
        from pkcs11 import Attribute, ObjectClass

        with self._lock:
            obj = self._find(ObjectClass.SECRET_KEY, _check_name("secret", name))
            if obj is None:
                raise _missing("secret", name)
            return bytes(obj[Attribute.VALUE])

    def delete_secret(self, name: str) -> None:
        from pkcs11 import ObjectClass

        with self._lock:
            obj = self._find(ObjectClass.SECRET_KEY, _check_name("secret", name))
            if obj is None:
                raise _missing("secret", name)
            obj.destroy()

    def list_secrets(self) -> builtins.list[str]:
        attr = self._p11.Attribute
        with self._lock:
            objs = self._session.get_objects({attr.CLASS: self._p11.ObjectClass.SECRET_KEY})
            return sorted(str(o[attr.LABEL]) for o in objs)

"""Data at rest: an envelope-encrypted vault with cryptographic erase and signed erase receipts.

Why envelope encryption: every record gets its own data key (AES-256-GCM by default), and that
key is stored only wrapped (AES key wrap, RFC 3394) under a per-user key-encryption key (KEK)
that lives in the keystore, not in the vault's folder. Deleting a user's data then means
destroying one KEK: every data key under it — and so every ciphertext, wherever flash
wear-levelling left copies — becomes unreadable at once (NIST SP 800-88 cryptographic erase;
NIST IR 8425 DP-2, EN 303 645 provision 5.11-1, CRA Annex I 2.m). The cost of that step does
not grow with the amount of data. The files are removed afterwards, and a receipt saying what
was erased, when, and which key ids were destroyed is signed with the device key and written
to the security log.

Each record's associated data is its whole header (user, record id, version, algorithm, KEK id,
wrapped data key), so a tampered byte, a header from another record, or a file moved to another
name is refused with one opaque :class:`~securable.errors.IntegrityError`. A header is checked
for size and shape before anything reads it: crafted JSON (wrong types, deep nesting) is the
same opaque error, never a ``TypeError`` or ``RecursionError``.

Replay of older copies: every record's version is in its authenticated header, and the latest
version of each record (or that it was deleted) is kept in a per-user *version index* stored in
the keystore beside the KEK. A record replaced by an older copy of itself, or a deleted record
put back from a copy, decrypts but fails the index check (``IntegrityError``). What this covers
depends on where the keystore keeps its secrets:

* **covered** — an attacker or fault that changes the vault folder: edits, swaps between
  records or users, older copies of single records, restored deleted records;
* **covered with a hardware keystore** (PKCS#11: a secure element, TPM or HSM) — rolling back
  the whole device storage, since the index lives on the token;
* **not covered with** :class:`~securable.device.keystore.FileKeystore` — an attacker who rolls
  back the vault folder *and* the keystore's files to one earlier moment gets that earlier,
  consistent state back; only a monotonic counter outside the disk (RPMB, TPM NV) stops that.
  Nor does the vault hide how many records a user has, their sizes or when they change.

A power cut between writing a record and its index entry leaves the record one version ahead
of the index; that is accepted (and the index caught up), since only the device's KEK could
have produced the newer version.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from securable.device import _crypto
from securable.device.principal import Action, Principal, can
from securable.errors import AccessDeniedError, IntegrityError, KeystoreError, UsageError

__all__ = ["EraseReceipt", "KeystoreLike", "RecordNotFoundError", "Vault"]

_MAGIC = b"SVR1"
_AAD_PREFIX = b"securable-vault/v1\x00"
_MAX_RECORD = (1 << 31) - 1 - 64  # one AEAD call per record
_KEK_PREFIX = "vault-kek-"
_INDEX_PREFIX = "vault-index-"
_MAX_HEADER = 16 * 1024  # 2 x 256-character names, \u-escaped, and a few short fields
_MAX_VERSION = (1 << 53) - 1
_HEADER_FIELDS = {"user": str, "id": str, "version": int, "alg": str, "kek_id": str, "wrapped": str}


class KeystoreLike(Protocol):
    """What the vault needs of ``securable.device.keystore.Keystore``."""

    def put_secret(self, name: str, value: bytes) -> Any: ...

    def get_secret(self, name: str) -> bytes: ...

    def delete_secret(self, name: str) -> Any: ...

    def sign(self, key_id: str, data: bytes) -> bytes: ...


class _Log(Protocol):
    def record(self, event: str, outcome: str, /, **details: Any) -> Any: ...


class RecordNotFoundError(UsageError, FileNotFoundError):
    """No such record (never written, deleted or erased). Also a ``FileNotFoundError``, so code
    that treats the vault like files can catch it as such."""


def _opaque() -> IntegrityError:
    return IntegrityError(
        "vault record failed its integrity check",
        diagnostics="the record was altered, moved or its key was erased; restore it from a backup",
    )


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class EraseReceipt:
    """Evidence of a cryptographic erase: what, when, which key ids; signed by the device key."""

    scope: str
    users: tuple[str, ...]
    erased_at: str
    kek_ids: tuple[str, ...]
    records: int
    key_destroy_operations: int
    method: str = "cryptographic-erase (NIST SP 800-88): key-encryption keys destroyed, then files removed"
    signer: str = ""
    signature: bytes = field(default=b"", repr=False)

    def payload(self) -> bytes:
        """The canonical bytes the signature covers (everything but the signature)."""
        body = asdict(self)
        body.pop("signature")
        body["schema"] = "securable/erase-receipt/v1"
        body["users"] = list(self.users)
        body["kek_ids"] = list(self.kek_ids)
        return _canonical(body)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.payload())
        body["signature"] = base64.b64encode(self.signature).decode("ascii")
        return body

    def verify(self, public_key: Any) -> bool:
        """True when the signature is valid for ``public_key`` (PEM bytes or a key object)."""
        if isinstance(public_key, str):
            public_key = public_key.encode("ascii")
        key = _crypto.public_key_from_pem(public_key) if isinstance(public_key, bytes) else public_key
        return bool(self.signature) and _crypto.verify(key, self.signature, self.payload())


@dataclass(frozen=True)
class _Header:
    user: str
    id: str
    version: int
    alg: str
    kek_id: str
    wrapped: str

    def encode(self) -> bytes:
        return _canonical(asdict(self))


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _parse_header(header_bytes: bytes) -> _Header:
    """The header, or the opaque error when its size, JSON or shape is not what ``_seal`` writes.

    Anything in a record file may have been crafted by an attacker with disk access, so the
    size is bounded before parsing (deep nesting cannot reach the parser's recursion limit)
    and every field's type is checked before use.
    """
    if len(header_bytes) > _MAX_HEADER:
        raise _opaque()
    try:
        data = json.loads(header_bytes)
    except (ValueError, RecursionError) as exc:
        raise _opaque() from exc
    if not isinstance(data, dict) or set(data) != set(_HEADER_FIELDS):
        raise _opaque()
    for name, kind in _HEADER_FIELDS.items():
        value = data[name]
        if type(value) is not kind:  # ``type`` on purpose: a bool is not a version
            raise _opaque()
    if not 1 <= data["version"] <= _MAX_VERSION:
        raise _opaque()
    return _Header(**data)


def _split_record(raw: memoryview) -> tuple[_Header, bytes, memoryview, memoryview]:
    """Split a record into (header, header bytes, nonce, ciphertext) without copying the body."""
    if len(raw) < 8 or bytes(raw[:4]) != _MAGIC:
        raise _opaque()
    (hlen,) = struct.unpack(">I", raw[4:8])
    if hlen > _MAX_HEADER:
        raise _opaque()
    head_end = 8 + hlen
    if len(raw) < head_end + _crypto.AEAD_NONCE_BYTES + 16:
        raise _opaque()
    header_bytes = bytes(raw[8:head_end])
    header = _parse_header(header_bytes)
    nonce_end = head_end + _crypto.AEAD_NONCE_BYTES
    return header, header_bytes, raw[head_end:nonce_end], raw[nonce_end:]


def _read_record(path: Path) -> tuple[_Header, bytes, memoryview, memoryview]:
    """Read and split a record file; opaque error on junk, ``FileNotFoundError`` when absent."""
    try:
        raw = memoryview(path.read_bytes())
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _opaque() from exc
    return _split_record(raw)


def _read_header(path: Path) -> _Header:
    """Only the header of a record file (listing and versioning need not read the body)."""
    with path.open("rb") as handle:
        prefix = handle.read(8)
        if len(prefix) < 8 or prefix[:4] != _MAGIC:
            raise _opaque()
        (hlen,) = struct.unpack(">I", prefix[4:8])
        if hlen > _MAX_HEADER:
            raise _opaque()
        return _parse_header(handle.read(hlen))


def _count_records(folder: Path) -> int:
    """Record files in one user folder (``scandir``: no stat per file, cheap for thousands)."""
    if not folder.is_dir():
        return 0
    with os.scandir(folder) as entries:
        return sum(1 for entry in entries if entry.name.endswith(".rec"))


class Vault:
    """Encrypted records per user in ``directory``; KEKs in ``keystore``; receipts signed with
    ``signing_key`` (a key id of the keystore, normally the device identity key)."""

    def __init__(
        self,
        directory: Path | str,
        keystore: KeystoreLike,
        *,
        signing_key: str,
        log: _Log | None = None,
        clock: Callable[[], datetime] = _utcnow,
        algorithm: _crypto.AeadAlgorithm = _crypto.AeadAlgorithm.AES256_GCM,
        durable: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.keystore = keystore
        self.signing_key = signing_key
        self._log = log
        self._clock = clock
        self.algorithm = algorithm
        self.durable = durable
        self._keks: dict[str, tuple[str, bytes]] = {}
        self._indexes: dict[str, dict[str, list[Any]]] = {}
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    # --- naming ----------------------------------------------------------------------------------

    @staticmethod
    def _check_name(value: str, what: str) -> None:
        if not isinstance(value, str) or not value or len(value) > 256:
            raise UsageError(
                f"{what} must be a non-empty string of at most 256 characters",
                diagnostics=f"pass a short {what}",
            )

    def _user_dir(self, user: str) -> Path:
        return self.directory / hashlib.sha256(b"user\x00" + user.encode()).hexdigest()[:32]

    def _record_path(self, user: str, record_id: str) -> Path:
        name = hashlib.sha256(user.encode() + b"\x00" + record_id.encode()).hexdigest()
        return self._user_dir(user) / f"{name}.rec"

    @staticmethod
    def _kek_name(user: str) -> str:
        return _KEK_PREFIX + hashlib.sha256(user.encode()).hexdigest()[:32]

    @staticmethod
    def _index_name(user: str) -> str:
        return _INDEX_PREFIX + hashlib.sha256(user.encode()).hexdigest()[:32]

    @staticmethod
    def _kek_id(kek: bytes) -> str:
        return _crypto.hkdf_sha256(kek, b"securable-vault kek id", length=8).hex()

    # --- keys ------------------------------------------------------------------------------------

    def _kek(self, user: str, *, create: bool) -> tuple[str, bytes]:
        cached = self._keks.get(user)
        if cached is not None:
            return cached
        name = self._kek_name(user)
        try:
            kek = self.keystore.get_secret(name)
        except (KeystoreError, KeyError, FileNotFoundError) as exc:
            if not create:
                raise _opaque() from None
            if self._secret_exists(name):
                # There is a KEK but it cannot be read (wrong keystore passphrase, damaged file):
                # never replace it, that would orphan every record under it.
                raise KeystoreError(
                    f"the vault key of {user!r} exists but cannot be read: {exc}",
                    diagnostics="check the keystore passphrase; do not write to the vault until it opens",
                ) from exc
            kek = _crypto.new_symmetric_key()
            self.keystore.put_secret(name, kek)
        entry = (self._kek_id(kek), kek)
        self._keks[user] = entry
        return entry

    # --- version index ---------------------------------------------------------------------------

    def _index(self, user: str) -> dict[str, list[Any]]:
        """``{record file stem: [latest version, live]}`` of ``user`` (see the module docstring).

        A vault written before the index existed gets one built from its files on first use
        (trust on first use); from then on the keystore's copy is authoritative.
        """
        cached = self._indexes.get(user)
        if cached is not None:
            return cached
        name = self._index_name(user)
        try:
            raw = self.keystore.get_secret(name)
        except (KeystoreError, KeyError, FileNotFoundError):
            raw = None
        if raw is None:
            if self._secret_exists(name):
                raise KeystoreError(
                    f"the vault version index of {user!r} exists but cannot be read",
                    diagnostics="check the keystore passphrase; do not write to the vault until it opens",
                )
            index = self._index_from_files(user)
        else:
            try:
                loaded = json.loads(raw)
                index = {str(k): [int(v[0]), bool(v[1])] for k, v in dict(loaded["records"]).items()}
            except (ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
                raise _opaque() from exc
        self._indexes[user] = index
        return index

    def _index_from_files(self, user: str) -> dict[str, list[Any]]:
        folder = self._user_dir(user)
        index: dict[str, list[Any]] = {}
        for path in sorted(folder.glob("*.rec")) if folder.is_dir() else ():
            try:
                index[path.stem] = [_read_header(path).version, True]
            except (IntegrityError, OSError):
                continue
        return index

    def _save_index(self, user: str, index: dict[str, list[Any]]) -> None:
        self.keystore.put_secret(self._index_name(user), _canonical({"records": index}))
        self._indexes[user] = index

    def _check_version(self, user: str, path: Path, version: int) -> None:
        """Refuse an older copy of a record, or a deleted record put back (opaque error)."""
        index = self._index(user)
        entry = index.get(path.stem)
        if entry is None:
            return
        latest, live = int(entry[0]), bool(entry[1])
        if version < latest or (not live and version == latest):
            raise _opaque()
        if version > latest:  # a power cut after the record, before its index entry: catch up
            self._save_index(user, {**index, path.stem: [version, True]})

    def _secret_exists(self, name: str) -> bool:
        lister = getattr(self.keystore, "list_secrets", None)
        return callable(lister) and name in lister()

    # --- records ---------------------------------------------------------------------------------

    def put(self, user: str, record_id: str, data: bytes) -> int:
        """Encrypt and store ``data`` as ``record_id`` of ``user``; returns the record's new version."""
        self._check_name(user, "user")
        self._check_name(record_id, "record id")
        path = self._record_path(user, record_id)
        index = self._index(user)
        latest = int(index[path.stem][0]) if path.stem in index else 0
        if path.exists():
            # a damaged record is overwritten; its version counts on from the index
            with contextlib.suppress(IntegrityError):
                latest = max(latest, _read_header(path).version)
        version = latest + 1
        self._write(path, self._seal(user, record_id, version, data))
        self._save_index(user, {**index, path.stem: [version, True]})
        return version

    def _seal(self, user: str, record_id: str, version: int, data: bytes) -> tuple[bytes, ...]:
        """The record's bytes, in parts (so a large ciphertext is never copied to join them)."""
        if len(data) > _MAX_RECORD:
            raise UsageError("record is larger than 2 GiB", diagnostics="split the data into several records")
        kek_id, kek = self._kek(user, create=True)
        dek = _crypto.new_symmetric_key()
        header = _Header(
            user,
            record_id,
            version,
            self.algorithm.value,
            kek_id,
            base64.b64encode(_crypto.wrap_key(kek, dek)).decode("ascii"),
        )
        header_bytes = header.encode()
        nonce, ciphertext = _crypto.aead_encrypt_detached(
            self.algorithm, dek, data, _AAD_PREFIX + header_bytes
        )
        return (_MAGIC, struct.pack(">I", len(header_bytes)), header_bytes, nonce, ciphertext)

    def _write(self, path: Path, parts: tuple[bytes, ...]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                for part in parts:
                    handle.write(part)
                if self.durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, user: str, record_id: str) -> bytes:
        """Decrypt a record; :class:`IntegrityError` if anything about it was changed or erased."""
        self._check_name(user, "user")
        self._check_name(record_id, "record id")
        path = self._record_path(user, record_id)
        try:
            raw = memoryview(path.read_bytes())
        except FileNotFoundError:
            raise RecordNotFoundError(
                f"no record {record_id!r} for {user!r}", diagnostics="list records() first"
            ) from None
        except OSError as exc:
            raise _opaque() from exc
        return self._unseal(user, record_id, raw)

    def _unseal(self, user: str, record_id: str, raw: memoryview) -> bytes:
        header, header_bytes, nonce, ciphertext = _split_record(raw)
        if header.user != user or header.id != record_id:
            raise _opaque()
        try:
            algorithm = _crypto.AeadAlgorithm(header.alg)
            wrapped = base64.b64decode(header.wrapped, validate=True)
        except ValueError:
            raise _opaque() from None
        kek_id, kek = self._kek(user, create=False)
        if header.kek_id != kek_id:
            raise _opaque()
        dek = _crypto.unwrap_key(kek, wrapped)
        if dek is None:
            raise _opaque()
        plaintext = _crypto.aead_decrypt_detached(
            algorithm, dek, nonce, ciphertext, _AAD_PREFIX + header_bytes
        )
        if plaintext is None:
            raise _opaque()
        self._check_version(user, self._record_path(user, record_id), header.version)
        return plaintext

    def version(self, user: str, record_id: str) -> int:
        return _read_header(self._record_path(user, record_id)).version

    def delete(self, user: str, record_id: str) -> bool:
        """Remove one record's file (its data key goes with it; the user's KEK stays)."""
        path = self._record_path(user, record_id)
        existed = path.exists()
        index = self._index(user)
        latest = int(index[path.stem][0]) if path.stem in index else 0
        if existed:
            with contextlib.suppress(IntegrityError):
                latest = max(latest, _read_header(path).version)
        if latest:  # the tombstone goes first: a copy put back later is refused
            self._save_index(user, {**index, path.stem: [latest, False]})
        path.unlink(missing_ok=True)
        return existed

    def records(self, user: str) -> list[str]:
        folder = self._user_dir(user)
        if not folder.is_dir():
            return []
        ids = []
        for path in sorted(folder.glob("*.rec")):
            try:
                ids.append(_read_header(path).id)
            except IntegrityError:
                continue
        return sorted(ids)

    # --- erase -----------------------------------------------------------------------------------

    def erase_user(self, user: str, *, principal: Any = None, defer_removal: bool = False) -> EraseReceipt:
        """Cryptographically erase everything of ``user``: destroy the KEK, then remove the files.

        With ``defer_removal`` the (now unreadable) files are only moved aside, into a hidden
        ``.erased-*`` folder, and :meth:`purge_erased` removes them later — so the erase itself
        costs the same for a kilobyte and for a gigabyte.
        """
        self._check_name(user, "user")
        own_data = isinstance(principal, Principal) and principal.name == user
        self._authorize(principal, f"erase the data of {user!r}", allow=own_data)
        return self._erase("user", [user], principal, defer_removal=defer_removal)

    def erase_all(
        self, *, principal: Any = None, users: list[str] | None = None, defer_removal: bool = False
    ) -> EraseReceipt:
        """Whole-device erase (factory reset): every user's KEK destroyed, the vault folder emptied.

        Users are found from the records' headers; pass ``users`` to also destroy KEKs of users
        whose records are already gone.
        """
        self._authorize(principal, "erase the whole device's data")
        known = set(users or [])
        for folder in self.directory.iterdir() if self.directory.is_dir() else []:
            if folder.is_dir() and not folder.name.startswith("."):
                for path in folder.glob("*.rec"):
                    try:
                        known.add(_read_header(path).user)
                    except (IntegrityError, FileNotFoundError):
                        continue
                    break
        known.update(self._keks)
        known.update(self._indexes)
        return self._erase("device", sorted(known), principal, everything=True, defer_removal=defer_removal)

    def _authorize(self, principal: Any, what: str, *, allow: bool = False) -> None:
        """A :class:`Principal` needs the ``data.erase`` permission (or to be erasing its own data).

        Other values (a name, ``None``) mean the caller already decided — a factory reset from the
        device's own button, say — and are only written to the log.
        """
        if not isinstance(principal, Principal) or allow or can(principal, Action.DATA_ERASE):
            return
        if self._log is not None:
            self._log.record("erase", "denied", principal=principal, action=Action.DATA_ERASE.value)
        raise AccessDeniedError(
            f"{principal} may not {what}",
            diagnostics="ask the device owner to erase the data, or erase only your own",
        )

    def purge_erased(self) -> int:
        """Remove the files of earlier deferred erases; returns how many folders were removed."""
        folders = [p for p in self.directory.glob(".erased-*") if p.is_dir()]
        for folder in folders:
            shutil.rmtree(folder)
        return len(folders)

    def _erase(
        self,
        scope: str,
        users: list[str],
        principal: Any,
        *,
        everything: bool = False,
        defer_removal: bool = False,
    ) -> EraseReceipt:
        erased_at = self._clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
        kek_ids: list[str] = []
        destroy_ops = 0
        # 1. cryptographic erase: one key destruction per user, independent of the data volume
        for user in users:
            name = self._kek_name(user)
            try:
                kek = self.keystore.get_secret(name)
            except (KeystoreError, KeyError, FileNotFoundError):
                kek = None
            if kek is not None:
                kek_ids.append(self._kek_id(kek))
                self.keystore.delete_secret(name)
                destroy_ops += 1
            self._keks.pop(user, None)
            with contextlib.suppress(KeystoreError, KeyError, FileNotFoundError):
                self.keystore.delete_secret(self._index_name(user))
            self._indexes.pop(user, None)
        # 2. the files: move out of the way atomically, count, then remove
        trash = self.directory / f".erased-{secrets.token_hex(8)}"
        trash.mkdir(mode=0o700)
        targets = (
            [p for p in self.directory.iterdir() if p != trash and not p.name.startswith(".erased-")]
            if everything
            else [self._user_dir(u) for u in users if self._user_dir(u).exists()]
        )
        for target in targets:
            target.replace(trash / target.name)
        records = sum(_count_records(target) for target in trash.iterdir())
        if not defer_removal:
            shutil.rmtree(trash)
        receipt = EraseReceipt(
            scope, tuple(users), erased_at, tuple(kek_ids), records, destroy_ops, signer=self.signing_key
        )
        signature = self.keystore.sign(self.signing_key, receipt.payload())
        receipt = EraseReceipt(
            **{**asdict(receipt), "users": receipt.users, "kek_ids": receipt.kek_ids, "signature": signature}
        )
        if self._log is not None:
            self._log.record("erase", "success", principal=principal, **receipt.to_json())
        return receipt

    def factory_reset_hook(self) -> Callable[[], EraseReceipt]:
        """A plain callable for a factory-reset routine: erases the whole vault, files included."""

        def reset() -> EraseReceipt:
            receipt = self.erase_all()
            self.purge_erased()
            return receipt

        return reset

    def register_with(self, config_store: Any) -> None:
        """Hook the whole-vault erase into a configuration store's factory reset.

        Uses ``on_reset`` (:class:`securable.device.config.ConfigStore`), else the first of
        ``add_reset_hook``/``on_factory_reset``/``register_reset_hook`` the store has.
        """
        on_reset = getattr(config_store, "on_reset", None)  # securable.device.config.ConfigStore
        if callable(on_reset):
            on_reset(self.factory_reset_hook(), "vault")
            return
        for method in ("add_reset_hook", "on_factory_reset", "register_reset_hook"):
            hook = getattr(config_store, method, None)
            if callable(hook):
                hook(self.factory_reset_hook())
                return
        raise UsageError(
            f"{type(config_store).__name__} has no factory-reset hook registration",
            diagnostics="call vault.factory_reset_hook() from your reset routine instead",
        )

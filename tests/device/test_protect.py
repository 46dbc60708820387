"""The vault: envelope encryption, opaque integrity errors, cryptographic erase with signed receipts."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from securable.device import _crypto
from securable.device.keystore import FileKeystore
from securable.device.protect import Vault, _read_record
from securable.errors import IntegrityError, KeystoreError, UsageError
from tests.device.kit2_fixtures import CountingKeystore, scan_for


class _Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def record(self, event: str, outcome: str, /, **details: Any) -> None:
        self.events.append((event, outcome, details))


@pytest.fixture
def keystore(tmp_path: Path) -> FileKeystore:
    store = FileKeystore(tmp_path / "keys")
    store.generate("device")
    return store


@pytest.fixture
def vault(tmp_path: Path, keystore: FileKeystore) -> Vault:
    return Vault(tmp_path / "vault", keystore, signing_key="device", log=_Log(), durable=False)


def test_round_trip_versions_and_listing(vault: Vault) -> None:
    assert vault.put("alice", "schedule", b"weekday 21C") == 1
    assert vault.put("alice", "schedule", b"weekday 20C") == 2
    vault.put("alice", "wifi", b"ssid=home")
    vault.put("bob", "schedule", b"bob's")
    assert vault.get("alice", "schedule") == b"weekday 20C"
    assert vault.version("alice", "schedule") == 2
    assert vault.records("alice") == ["schedule", "wifi"]
    assert vault.get("bob", "schedule") == b"bob's"
    assert vault.delete("alice", "wifi") and vault.records("alice") == ["schedule"]
    with pytest.raises(UsageError, match="no record"):
        vault.get("alice", "wifi")


def test_chacha20_poly1305_and_empty_records(tmp_path: Path, keystore: FileKeystore) -> None:
    vault = Vault(
        tmp_path / "v2",
        keystore,
        signing_key="device",
        algorithm=_crypto.AeadAlgorithm.CHACHA20_POLY1305,
        durable=False,
    )
    vault.put("u", "empty", b"")
    vault.put("u", "big", os.urandom(1 << 20))
    assert vault.get("u", "empty") == b""
    assert len(vault.get("u", "big")) == 1 << 20


def test_nothing_is_stored_in_plaintext(vault: Vault, tmp_path: Path) -> None:
    secret = b"the owner's home wifi passphrase: correct horse"
    vault.put("alice", "wifi", secret)
    assert not scan_for(tmp_path, [secret])
    for path in (tmp_path / "vault").rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o600


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("where", ["ciphertext", "tag", "nonce", "header-version", "wrapped-key", "truncate"])
def test_tampering_is_refused_with_one_opaque_error(vault: Vault, where: str) -> None:
    vault.put("alice", "schedule", b"weekday 21C" * 10)
    path = vault._record_path("alice", "schedule")
    data = path.read_bytes()
    header_end = 8 + int.from_bytes(data[4:8], "big")
    if where == "ciphertext":
        _flip(path, header_end + 12 + 3)
    elif where == "tag":
        _flip(path, len(data) - 1)
    elif where == "nonce":
        _flip(path, header_end)
    elif where == "header-version":
        path.write_bytes(data.replace(b'"version":1', b'"version":7'))
    elif where == "wrapped-key":
        header, _, _, _ = _read_record(path)
        wrapped = bytearray(base64.b64decode(header.wrapped))
        wrapped[0] ^= 1
        path.write_bytes(data.replace(header.wrapped.encode(), base64.b64encode(bytes(wrapped))))
    else:
        path.write_bytes(data[: header_end + 20])
    with pytest.raises(IntegrityError) as info:
        vault.get("alice", "schedule")
    assert str(info.value) == str(
        IntegrityError(
            "vault record failed its integrity check",
            diagnostics="the record was altered, moved or its key was erased; restore it from a backup",
        )
    )


def test_swapped_records_are_refused(vault: Vault) -> None:
    vault.put("alice", "a", b"alice's a")
    vault.put("alice", "b", b"alice's b")
    vault.put("bob", "a", b"bob's a")
    a, b, bob_a = (vault._record_path(*k) for k in (("alice", "a"), ("alice", "b"), ("bob", "a")))
    a_bytes = a.read_bytes()
    shutil.copyfile(b, a)  # another record of the same user under this name
    with pytest.raises(IntegrityError):
        vault.get("alice", "a")
    a.write_bytes(a_bytes)
    shutil.copyfile(bob_a, a)  # another user's record with the same id
    with pytest.raises(IntegrityError):
        vault.get("alice", "a")
    # an older version put back (its own header and tag are intact) is still alice's data
    a.write_bytes(a_bytes)
    assert vault.get("alice", "a") == b"alice's a"


def test_user_erase_destroys_the_key_removes_files_and_leaves_nothing_recoverable(
    vault: Vault, keystore: FileKeystore, tmp_path: Path
) -> None:
    plaintexts = [os.urandom(4096) + f"record {i} of alice".encode() for i in range(5)]
    for i, data in enumerate(plaintexts):
        vault.put("alice", f"r{i}", data)
    vault.put("bob", "keep", b"bob stays")
    # what an attacker would look for: plaintext, the data keys, the key-encryption key
    kek = keystore.get_secret(vault._kek_name("alice"))
    deks = []
    for i in range(5):
        header, _, _, _ = _read_record(vault._record_path("alice", f"r{i}"))
        dek = _crypto.unwrap_key(kek, base64.b64decode(header.wrapped))
        assert dek is not None
        deks.append(dek)
    flash_copy = vault._record_path("alice", "r0").read_bytes()  # as wear-levelling might keep it

    receipt = vault.erase_user("alice", principal="owner")

    assert receipt.records == 5 and receipt.users == ("alice",) and len(receipt.kek_ids) == 1
    assert vault.records("alice") == [] and vault.get("bob", "keep") == b"bob stays"
    needles = [p[:4096] for p in plaintexts] + [p[-32:] for p in plaintexts] + deks + [kek]
    assert scan_for(tmp_path, needles) == []
    # the surviving copy is useless: its key-encryption key no longer exists
    path = vault._record_path("alice", "r0")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(flash_copy)
    with pytest.raises(IntegrityError):
        vault.get("alice", "r0")


def test_erase_receipt_is_signed_and_logged(vault: Vault, keystore: FileKeystore) -> None:
    vault.put("alice", "r", b"x")
    receipt = vault.erase_user("alice", principal="owner")
    assert receipt.verify(keystore.public_key("device"))
    forged = type(receipt)(**{**receipt.__dict__, "records": 0})
    assert not forged.verify(keystore.public_key("device"))
    log = vault._log
    assert isinstance(log, _Log)
    event, outcome, details = log.events[-1]
    assert (event, outcome, details["principal"]) == ("erase", "success", "owner")
    assert details["kek_ids"] == list(receipt.kek_ids) and details["signature"]


def test_erase_work_does_not_grow_with_the_data(tmp_path: Path) -> None:
    operations = []
    for count in (1, 40):
        keystore = CountingKeystore(FileKeystore(tmp_path / f"keys{count}"))
        keystore.generate("device")
        vault = Vault(tmp_path / f"vault{count}", keystore, signing_key="device", durable=False)
        for i in range(count):
            vault.put("alice", f"r{i}", os.urandom(2048))
        keystore.calls.clear()
        receipt = vault.erase_user("alice")
        operations.append((tuple(keystore.calls), receipt.key_destroy_operations, receipt.records))
    (calls_one, destroyed_one, records_one), (calls_many, destroyed_many, records_many) = operations
    assert (records_one, records_many) == (1, 40)
    # the KEK is read and destroyed, the version index deleted, the receipt signed
    assert calls_one == calls_many == ("get_secret", "delete_secret", "delete_secret", "sign")
    assert destroyed_one == destroyed_many == 1


def test_whole_device_erase(vault: Vault, keystore: FileKeystore, tmp_path: Path) -> None:
    for user in ("alice", "bob", "device"):
        vault.put(user, "r", f"{user} data".encode())
    hook = vault.factory_reset_hook()
    receipt = hook()
    assert receipt.scope == "device" and set(receipt.users) == {"alice", "bob", "device"}
    assert len(receipt.kek_ids) == 3 and receipt.records == 3
    assert list((tmp_path / "vault").rglob("*")) == []
    assert keystore.list_secrets() == [] and keystore.list() == ["device"]
    # the vault keeps working after a reset, with fresh keys
    vault.put("alice", "r", b"new")
    assert vault.get("alice", "r") == b"new"


def test_register_with_a_reset_registry(vault: Vault) -> None:
    class Config:
        def __init__(self) -> None:
            self.hooks: list[Any] = []

        def add_reset_hook(self, hook: Any) -> None:
            self.hooks.append(hook)

    config = Config()
    vault.register_with(config)
    vault.put("alice", "r", b"x")
    config.hooks[0]()
    assert vault.records("alice") == []
    with pytest.raises(UsageError, match="no factory-reset hook"):
        vault.register_with(object())


def test_bad_names_are_usage_errors(vault: Vault) -> None:
    with pytest.raises(UsageError):
        vault.put("", "r", b"x")
    with pytest.raises(UsageError):
        vault.get("alice", "x" * 300)


def test_deferred_removal_is_already_an_erase(vault: Vault, keystore: FileKeystore, tmp_path: Path) -> None:
    data = os.urandom(8192)
    vault.put("alice", "r", data)
    kek = keystore.get_secret(vault._kek_name("alice"))
    header, _, _, _ = _read_record(vault._record_path("alice", "r"))
    dek = _crypto.unwrap_key(kek, base64.b64decode(header.wrapped))
    assert dek is not None
    receipt = vault.erase_user("alice", defer_removal=True)
    assert receipt.records == 1 and vault.records("alice") == []
    leftovers = list((tmp_path / "vault").glob(".erased-*/*/*.rec"))
    assert len(leftovers) == 1  # still on disk, but only as ciphertext under a destroyed key
    assert scan_for(tmp_path, [data[:64], data[-64:], dek, kek]) == []
    assert vault.purge_erased() == 1
    assert list((tmp_path / "vault").rglob("*.rec")) == []


def test_erase_receipt_goes_to_the_real_security_log(tmp_path: Path, keystore: FileKeystore) -> None:
    from securable.device.seclog import SecurityLog

    log = SecurityLog(tmp_path / "seclog")
    vault = Vault(tmp_path / "vault", keystore, signing_key="device", log=log, durable=False)
    vault.put("alice", "r", b"alice's data")
    receipt = vault.erase_user("alice", principal="owner")
    record = list(log.records())[-1]
    assert record["event"] == "erase" and record["outcome"] == "success"
    assert record["details"]["kek_ids"] == list(receipt.kek_ids)
    assert record["details"]["signature"] == receipt.to_json()["signature"]
    assert log.verify().ok


def test_a_wrong_keystore_passphrase_never_replaces_the_vault_key(tmp_path: Path) -> None:
    right = FileKeystore(tmp_path / "keys", passphrase="correct horse battery")
    right.generate("device")
    Vault(tmp_path / "vault", right, signing_key="device").put("alice", "r", b"kept")
    wrong = Vault(
        tmp_path / "vault", FileKeystore(tmp_path / "keys", passphrase="guess"), signing_key="device"
    )
    with pytest.raises(KeystoreError, match="cannot be read"):
        wrong.put("alice", "r2", b"would orphan everything")
    with pytest.raises(IntegrityError):
        wrong.get("alice", "r")
    again = Vault(
        tmp_path / "vault",
        FileKeystore(tmp_path / "keys", passphrase="correct horse battery"),
        signing_key="device",
    )
    assert again.get("alice", "r") == b"kept"


def test_erase_needs_the_permission_or_ones_own_data(vault: Vault) -> None:
    from securable.device.principal import Principal, Role
    from securable.errors import AccessDeniedError

    for user in ("alice", "bob"):
        vault.put(user, "r", b"x")
    alice = Principal("alice", Role.USER, "192.0.2.7")
    with pytest.raises(AccessDeniedError, match="may not erase the data of 'bob'"):
        vault.erase_user("bob", principal=alice)
    with pytest.raises(AccessDeniedError):
        vault.erase_all(principal=Principal("support", Role.MANUFACTURER_SUPPORT))
    assert vault.get("bob", "r") == b"x"
    log = vault._log
    assert isinstance(log, _Log) and [e[:2] for e in log.events] == [("erase", "denied")] * 2
    assert vault.erase_user("alice", principal=alice).users == ("alice",)
    receipt = vault.erase_all(principal=Principal("owner", Role.OWNER))
    assert receipt.users == ("bob",) and vault.records("bob") == []


def test_factory_reset_of_the_real_config_store_erases_the_vault(
    vault: Vault, keystore: FileKeystore, tmp_path: Path
) -> None:
    from securable.device.config import ConfigStore
    from securable.device.principal import Principal, Role
    from securable.device.protect import RecordNotFoundError

    store: ConfigStore[Any] = ConfigStore(tmp_path / "config.json")
    vault.register_with(store)
    vault.put("alice", "schedule", b"wake 06:30")
    report = store.factory_reset(Principal("alice", Role.OWNER, "127.0.0.1"))
    assert report.hooks_run == ["vault"] and not report.hooks_failed
    assert keystore.list_secrets() == []
    with pytest.raises(RecordNotFoundError) as caught:
        vault.get("alice", "schedule")
    assert isinstance(caught.value, FileNotFoundError) and caught.value.exit_code == 2

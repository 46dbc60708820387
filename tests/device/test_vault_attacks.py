"""Attacks on the vault files (issue 19, items 4 and 6): crafted headers and older copies of records."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from securable.device.keystore import FileKeystore
from securable.device.protect import Vault
from securable.errors import IntegrityError

# --- 4. crafted vault headers --------------------------------------------------------------------


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    keys = FileKeystore(tmp_path / "keys", passphrase="correct horse")
    keys.generate("device")
    return Vault(tmp_path / "vault", keys, signing_key="device", durable=False)


def _set_header(path: Path, header: bytes) -> None:
    raw = path.read_bytes()
    (hlen,) = struct.unpack(">I", raw[4:8])
    path.write_bytes(raw[:4] + struct.pack(">I", len(header)) + header + raw[8 + hlen :])


def _header(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    (hlen,) = struct.unpack(">I", raw[4:8])
    header: dict[str, Any] = json.loads(raw[8 : 8 + hlen])
    return header


@pytest.mark.parametrize(
    "field,value",
    [("wrapped", 123), ("wrapped", None), ("version", "x"), ("version", True), ("user", ["alice"])],
)
def test_crafted_header_fields_raise_only_integrity_error(
    vault: Vault, tmp_path: Path, field: str, value: object
) -> None:
    vault.put("alice", "notes", b"secret")
    path = vault._record_path("alice", "notes")
    header = _header(path)
    header[field] = value
    _set_header(path, json.dumps(header).encode())
    with pytest.raises(IntegrityError):
        vault.get("alice", "notes")
    with pytest.raises(IntegrityError):
        vault.version("alice", "notes")
    assert vault.put("alice", "notes", b"new") >= 2  # overwriting a damaged record still works
    assert vault.get("alice", "notes") == b"new"


@pytest.mark.parametrize("depth", [50_000, 5_000])
def test_deeply_nested_header_raises_integrity_error(vault: Vault, depth: int) -> None:
    vault.put("alice", "notes", b"secret")
    path = vault._record_path("alice", "notes")
    _set_header(path, b'{"user":' + b"[" * depth + b"]" * depth + b"}")
    with pytest.raises(IntegrityError):
        vault.get("alice", "notes")
    with pytest.raises(IntegrityError):
        vault.version("alice", "notes")
    assert vault.records("alice") == []
    vault.put("alice", "notes", b"again")
    assert vault.get("alice", "notes") == b"again"


@pytest.mark.parametrize("header", [b"[]", b'"x"', b"null", b"{}", b'{"user":"alice","extra":1}'])
def test_header_of_the_wrong_shape_raises_integrity_error(vault: Vault, header: bytes) -> None:
    vault.put("alice", "notes", b"secret")
    _set_header(vault._record_path("alice", "notes"), header)
    with pytest.raises(IntegrityError):
        vault.get("alice", "notes")


# --- 6. an older copy of a vault record ----------------------------------------------------------


def test_vault_record_replaced_by_an_older_copy_is_refused(vault: Vault) -> None:
    vault.put("alice", "door-code", b"1234")
    path = vault._record_path("alice", "door-code")
    old = path.read_bytes()
    assert vault.put("alice", "door-code", b"9876") == 2
    path.write_bytes(old)  # the attacker restores the copy they kept
    with pytest.raises(IntegrityError):
        vault.get("alice", "door-code")
    # a fresh process (no cache) refuses it too: the index is kept by the keystore
    fresh = Vault(vault.directory, vault.keystore, signing_key="device", durable=False)
    with pytest.raises(IntegrityError):
        fresh.get("alice", "door-code")
    # the owner writes again: the version keeps counting up from the index, not from the file
    assert fresh.put("alice", "door-code", b"5555") == 3
    assert fresh.get("alice", "door-code") == b"5555"


def test_deleted_vault_record_cannot_be_restored_from_a_copy(vault: Vault) -> None:
    vault.put("alice", "token", b"abc")
    path = vault._record_path("alice", "token")
    old = path.read_bytes()
    assert vault.delete("alice", "token")
    path.write_bytes(old)
    with pytest.raises(IntegrityError):
        Vault(vault.directory, vault.keystore, signing_key="device").get("alice", "token")
    assert vault.put("alice", "token", b"new") == 2


def test_vault_index_tolerates_a_crash_between_record_and_index(vault: Vault, tmp_path: Path) -> None:
    vault.put("alice", "notes", b"one")
    index_files = list((tmp_path / "keys" / "secrets").glob("vault-index-*"))
    assert len(index_files) == 1
    index_before = index_files[0].read_bytes()
    vault.put("alice", "notes", b"two")
    index_files[0].write_bytes(index_before)  # as if the power failed before the index was written
    fresh = Vault(vault.directory, vault.keystore, signing_key="device", durable=False)
    assert fresh.get("alice", "notes") == b"two"


def test_erase_destroys_the_vault_index_too(vault: Vault, tmp_path: Path) -> None:
    vault.put("alice", "notes", b"one")
    vault.erase_user("alice")
    assert not list((tmp_path / "keys" / "secrets").glob("vault-*"))
    assert vault.put("alice", "notes", b"fresh") == 1

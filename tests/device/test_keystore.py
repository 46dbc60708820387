"""Keystore: the file backend (permissions, passphrase, atomic files) and the PKCS#11 backend
against a real SoftHSM2 token, through the same interface and the same checks."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from securable.device import _crypto
from securable.device.keystore import FileKeystore, KeyAlgorithm, Keystore, Pkcs11Keystore
from securable.device.seclog import SecurityLog, verify_log
from securable.errors import KeystoreError

from .softhsm import SoftHsmToken, softhsm_token

__all__ = ["softhsm_token"]


@pytest.fixture
def file_keystore(tmp_path: Path) -> FileKeystore:
    return FileKeystore(tmp_path / "ks")


@pytest.fixture
def pkcs11_keystore(softhsm_token: SoftHsmToken) -> Iterator[Pkcs11Keystore]:
    ks = Pkcs11Keystore(softhsm_token.module, softhsm_token.label, softhsm_token.pin)
    for key_id in ks.list():  # the token lives for the session: start each test empty
        ks.delete(key_id)
    for name in ks.list_secrets():
        ks.delete_secret(name)
    yield ks
    ks.close()


@pytest.fixture(params=["file", pytest.param("pkcs11", marks=pytest.mark.integration)])
def keystore(request: pytest.FixtureRequest) -> Keystore:
    ks: Keystore = request.getfixturevalue(f"{request.param}_keystore")
    return ks


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_generate_sign_verify(keystore: Keystore, algorithm: KeyAlgorithm) -> None:
    public = keystore.generate("device", algorithm)
    assert _crypto.key_algorithm(public) is algorithm and keystore.algorithm("device") is algorithm
    signature = keystore.sign("device", b"challenge")
    assert _crypto.verify(keystore.public_key("device"), signature, b"challenge")
    assert not _crypto.verify(public, signature, b"other")
    assert keystore.exists("device") and keystore.list() == ["device"]
    with pytest.raises(KeystoreError, match="already exists"):
        keystore.generate("device", algorithm)
    keystore.delete("device")
    assert not keystore.exists("device") and keystore.list() == []
    with pytest.raises(KeystoreError, match="no key"):
        keystore.sign("device", b"x")


def test_secrets_round_trip_and_delete(keystore: Keystore) -> None:
    keystore.put_secret("vault-kek-1", b"\x00\x01secret")
    keystore.put_secret("vault-kek-1", b"replaced")
    assert keystore.get_secret("vault-kek-1") == b"replaced"
    assert keystore.list_secrets() == ["vault-kek-1"]
    keystore.delete_secret("vault-kek-1")
    with pytest.raises(KeystoreError, match="no secret"):
        keystore.get_secret("vault-kek-1")


def test_names_that_could_escape_are_refused(keystore: Keystore) -> None:
    for bad in ("../x", "", ".hidden", "a/b", "x" * 200):
        with pytest.raises(KeystoreError, match="invalid") as info:
            keystore.generate(bad)
        assert info.value.exit_code == 2


def test_every_signature_is_logged(keystore: Keystore, tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log")
    keystore.attach_log(log)
    keystore.generate("k")
    keystore.sign("k", b"a")
    keystore.sign("k", b"b")
    keystore.delete("k")
    events = [(r["event"], r["details"]["key_id"]) for r in log.records()]
    assert events == [("key.create", "k"), ("key.use", "k"), ("key.use", "k"), ("key.delete", "k")]
    assert all(r["details"]["backend"] == keystore.backend for r in log.records())
    assert log.verify().ok


@pytest.mark.integration
def test_log_checkpoints_signed_on_the_token(pkcs11_keystore: Pkcs11Keystore, tmp_path: Path) -> None:
    pkcs11_keystore.generate("device-id")
    log = SecurityLog(tmp_path / "log", keystore=pkcs11_keystore, key_id="device-id")
    log.record("auth.success", "success")
    checkpoint = log.checkpoint()
    assert checkpoint.signature is not None
    assert _crypto.verify(
        pkcs11_keystore.public_key("device-id"), checkpoint.signature, checkpoint.signed_bytes()
    )
    assert verify_log(
        tmp_path / "log", _crypto.public_key_to_pem(pkcs11_keystore.public_key("device-id"))
    ).signed


def test_file_permissions_and_passphrase(tmp_path: Path) -> None:
    ks = FileKeystore(tmp_path / "ks", passphrase="correct horse")
    ks.generate("device")
    ks.put_secret("s", b"plain")
    assert stat.S_IMODE((tmp_path / "ks").stat().st_mode) == 0o700
    key_file = tmp_path / "ks" / "keys" / "device.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert b"plain" not in (tmp_path / "ks" / "secrets" / "s.bin").read_bytes()
    assert not list((tmp_path / "ks" / "keys").glob(".*.tmp"))  # no leftovers of atomic writes
    reopened = FileKeystore(tmp_path / "ks", passphrase="correct horse")
    assert reopened.get_secret("s") == b"plain"
    assert _crypto.verify(reopened.public_key("device"), reopened.sign("device", b"m"), b"m")
    wrong = FileKeystore(tmp_path / "ks", passphrase="wrong")
    with pytest.raises(KeystoreError, match="passphrase"):
        wrong.sign("device", b"m")
    with pytest.raises(KeystoreError, match="passphrase"):
        wrong.get_secret("s")


def test_file_keystore_exports_pem_for_ssl(file_keystore: FileKeystore) -> None:
    file_keystore.generate("tls")
    pem = file_keystore.private_key_pem("tls")
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert _crypto.private_key_from_pem(pem).public_key() == file_keystore.public_key("tls")


@pytest.mark.integration
def test_pkcs11_private_key_is_not_extractable(pkcs11_keystore: Pkcs11Keystore) -> None:
    import pkcs11

    pkcs11_keystore.generate("device")
    key = pkcs11_keystore._private("device")
    assert key[pkcs11.Attribute.SENSITIVE] and not key[pkcs11.Attribute.EXTRACTABLE]
    with pytest.raises(pkcs11.exceptions.AttributeSensitive):
        key[pkcs11.Attribute.VALUE]


@pytest.mark.integration
def test_pkcs11_bad_pin_is_a_clear_error(softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(KeystoreError, match="PIN") as info:
        Pkcs11Keystore(softhsm_token.module, softhsm_token.label, "0000")
    assert info.value.exit_code == 2

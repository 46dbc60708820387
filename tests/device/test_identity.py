"""Device identity: manufacturer root -> intermediate -> IDevID verified with pyca/cryptography's
X.509 verifier; foreign roots, replays and wrong keys refused; file and PKCS#11 keys; labels; LDevID."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from securable.device import _crypto
from securable.device.identity import (
    DeviceIdentity,
    IdentityProof,
    IdentityVerifier,
    ManufacturerCA,
    OwnerCA,
    PhysicalLabel,
    describe,
    logical_id,
    provision_device,
)
from securable.device.keystore import FileKeystore, KeyAlgorithm, Pkcs11Keystore
from securable.device.seclog import SecurityLog
from securable.errors import IdentityError

from .softhsm import SoftHsmToken, softhsm_token

__all__ = ["softhsm_token"]

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> ManufacturerCA:
    return ManufacturerCA.create(tmp_path_factory.mktemp("factory"), "Acme Devices", now=NOW)


@pytest.fixture
def device(factory: ManufacturerCA, tmp_path: Path) -> DeviceIdentity:
    ks = FileKeystore(tmp_path / "keys")
    return provision_device(factory, ks, tmp_path / "id", serial_number="ACME-0001", model="TH-100", now=NOW)


def _verifier(*roots: x509.Certificate, clock: list[dt.datetime] | None = None) -> IdentityVerifier:
    times = clock or [NOW + dt.timedelta(days=1)]
    return IdentityVerifier(list(roots), now=lambda: times[0])


def test_full_chain_root_to_device_verifies(factory: ManufacturerCA, device: DeviceIdentity) -> None:
    verifier = _verifier(factory.root)
    challenge = verifier.challenge()
    who = verifier.verify(device.prove(challenge), challenge)
    assert (who.serial_number, who.model) == ("ACME-0001", "TH-100")
    assert who.logical_id == device.logical_id
    assert [c.subject for c in who.chain] == [
        device.certificate.subject,
        factory.intermediate.subject,
        factory.root.subject,
    ]


def test_idevid_certificate_profile(factory: ManufacturerCA, device: DeviceIdentity) -> None:
    cert = device.certificate
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "ACME-0001"
    assert cert.not_valid_after_utc == dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    assert cert.issuer == factory.intermediate.subject
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [device.logical_id]
    # the identifier is a version-8 UUID URN derived from the key, stable across reloads
    assert uuid.UUID(device.logical_id).version == 8
    assert device.logical_id == logical_id(device.keystore.public_key("idevid"))
    # the intermediate may only issue end-entity certificates
    assert (
        factory.intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    )


def test_certificate_from_another_root_is_refused(factory: ManufacturerCA, tmp_path: Path) -> None:
    rogue = ManufacturerCA.create(tmp_path / "rogue", "Acme Devices", now=NOW)  # same names, other keys
    clone = provision_device(
        rogue,
        FileKeystore(tmp_path / "ck"),
        tmp_path / "cid",
        serial_number="ACME-0001",
        model="TH-100",
        now=NOW,
    )
    verifier = _verifier(factory.root)
    challenge = verifier.challenge()
    with pytest.raises(IdentityError, match="does not verify"):
        verifier.verify(clone.prove(challenge), challenge)


def test_signature_by_another_key_is_refused(factory: ManufacturerCA, device: DeviceIdentity) -> None:
    verifier = _verifier(factory.root)
    challenge = verifier.challenge()
    genuine = device.prove(challenge)
    impostor = _crypto.sign(_crypto.generate_private_key(), b"securable identity proof v1\x00" + challenge)
    with pytest.raises(IdentityError, match="signature"):
        verifier.verify(IdentityProof(genuine.chain_pem, impostor), challenge)


def test_challenges_are_single_use_and_expire(factory: ManufacturerCA, device: DeviceIdentity) -> None:
    clock = [NOW + dt.timedelta(days=1)]
    verifier = _verifier(factory.root, clock=clock)
    challenge = verifier.challenge()
    proof = device.prove(challenge)
    verifier.verify(proof, challenge)
    with pytest.raises(IdentityError, match="challenge"):
        verifier.verify(proof, challenge)  # replay
    with pytest.raises(IdentityError, match="challenge"):
        verifier.verify(device.prove(b"\x00" * 32), b"\x00" * 32)  # never issued
    late = verifier.challenge()
    clock[0] += dt.timedelta(minutes=5)
    with pytest.raises(IdentityError, match="expired"):
        verifier.verify(device.prove(late), late)


def test_verification_time_is_enforced(factory: ManufacturerCA, device: DeviceIdentity) -> None:
    verifier = _verifier(factory.root, clock=[NOW - dt.timedelta(days=2)])  # before the chain existed
    challenge = verifier.challenge()
    with pytest.raises(IdentityError, match="does not verify"):
        verifier.verify(device.prove(challenge), challenge)


def test_proofs_are_logged_both_ways(factory: ManufacturerCA, device: DeviceIdentity, tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log")
    verifier = IdentityVerifier([factory.root], now=lambda: NOW + dt.timedelta(days=1), log=log)
    good = verifier.challenge()
    verifier.verify(device.prove(good), good)
    with pytest.raises(IdentityError):
        verifier.verify(device.prove(good), good)
    events = [(r["event"], r["outcome"]) for r in log.records()]
    assert events == [("auth.success", "success"), ("auth.failure", "failure")]
    assert log.verify()


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_ed25519_and_p256_device_keys(
    factory: ManufacturerCA, tmp_path: Path, algorithm: KeyAlgorithm
) -> None:
    dev = provision_device(
        factory,
        FileKeystore(tmp_path / "k"),
        tmp_path / "i",
        serial_number="S-9",
        model="M",
        algorithm=algorithm,
    )
    verifier = IdentityVerifier([factory.root])
    challenge = verifier.challenge()
    assert verifier.verify(dev.prove(challenge), challenge).serial_number == "S-9"
    assert describe(dev)["key_algorithm"] == algorithm.value


@pytest.fixture
def pkcs11_keystore(softhsm_token: SoftHsmToken) -> Iterator[Pkcs11Keystore]:
    ks = Pkcs11Keystore(softhsm_token.module, softhsm_token.label, softhsm_token.pin)
    for key_id in ks.list():
        ks.delete(key_id)
    yield ks
    ks.close()


@pytest.mark.integration
def test_identity_key_on_a_softhsm_token(
    factory: ManufacturerCA, pkcs11_keystore: Pkcs11Keystore, tmp_path: Path
) -> None:
    dev = provision_device(factory, pkcs11_keystore, tmp_path / "id", serial_number="HSM-1", model="GW-2")
    reopened = DeviceIdentity.load(tmp_path / "id", pkcs11_keystore)
    verifier = IdentityVerifier([factory.root])
    challenge = verifier.challenge()
    assert verifier.verify(reopened.prove(challenge), challenge).logical_id == dev.logical_id
    assert describe(reopened)["keystore"] == "pkcs11"


def test_provisioning_is_once_and_reload_checks_the_key(
    factory: ManufacturerCA, device: DeviceIdentity, tmp_path: Path
) -> None:
    with pytest.raises(IdentityError, match="already provisioned") as exc:
        provision_device(factory, device.keystore, device.directory, serial_number="X", model="Y")
    assert exc.value.exit_code == 2
    assert DeviceIdentity.load(device.directory, device.keystore).serial_number == "ACME-0001"
    with pytest.raises(IdentityError, match="no 'idevid' key"):
        DeviceIdentity.load(device.directory, FileKeystore(tmp_path / "empty"))
    other = FileKeystore(tmp_path / "other")
    other.generate("idevid")
    with pytest.raises(IdentityError, match="does not belong"):
        DeviceIdentity.load(device.directory, other)


def test_manufacturer_ca_reopens_with_its_passphrase(tmp_path: Path) -> None:
    ca = ManufacturerCA.create(tmp_path / "ca", "Acme", passphrase=b"factory secret")
    again = ManufacturerCA.open(tmp_path / "ca", passphrase=b"factory secret")
    assert again.root == ca.root
    dev = provision_device(again, FileKeystore(tmp_path / "k"), tmp_path / "i", serial_number="1", model="m")
    assert IdentityVerifier([ca.root]).verify_chain(dev.chain).serial_number == "1"
    with pytest.raises(IdentityError, match="already exists"):
        ManufacturerCA.create(tmp_path / "ca", "Acme")


def test_physical_label_qr_codes(device: DeviceIdentity, tmp_path: Path) -> None:
    label = device.label
    assert label.payload == f"SN:ACME-0001;M:TH-100;ID:{device.logical_id}"
    png = label.save_qr(tmp_path / "label.png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = label.save_qr(tmp_path / "label.svg").read_text()
    assert "<svg" in svg
    with pytest.raises(IdentityError, match=r"\.png or \.svg"):
        PhysicalLabel("1", "m", "urn:x").save_qr(tmp_path / "label.gif")


def test_ldevid_enrollment_and_factory_reset_removal(
    factory: ManufacturerCA, device: DeviceIdentity, tmp_path: Path
) -> None:
    owner = OwnerCA.create(tmp_path / "owner", "Home of Alice")
    manufacturer = IdentityVerifier([factory.root])
    challenge = manufacturer.challenge()
    request = device.enrollment_request(challenge)
    chain = owner.enroll(request, challenge, manufacturer)
    device.install_ldevid(chain)

    # the owner's own services now recognise the device by its LDevID (owner CA as the root)
    local = IdentityVerifier([owner.certificate])
    c2 = local.challenge()
    assert local.verify(device.prove(c2, use_ldevid=True), c2).serial_number == "ACME-0001"
    # ...and the LDevID does not pass as a manufacturer identity
    c3 = manufacturer.challenge()
    with pytest.raises(IdentityError, match="does not verify"):
        manufacturer.verify(device.prove(c3, use_ldevid=True), c3)

    reloaded = DeviceIdentity.load(device.directory, device.keystore)
    assert reloaded.ldevid_chain is not None
    removed = reloaded.remove_local_identities()
    assert len(removed) == 2 and not (device.directory / "ldevid.pem").exists()
    assert not device.keystore.exists("ldevid") and device.keystore.exists("idevid")
    c4 = manufacturer.challenge()
    assert manufacturer.verify(reloaded.prove(c4), c4).serial_number == "ACME-0001"  # IDevID kept


def test_enrollment_without_possession_is_refused(
    factory: ManufacturerCA, device: DeviceIdentity, tmp_path: Path
) -> None:
    owner = OwnerCA.create(tmp_path / "owner", "Home")
    manufacturer = IdentityVerifier([factory.root])
    challenge = manufacturer.challenge()
    request = device.enrollment_request(challenge)
    # swap in a key the device does not hold: the IDevID binding no longer matches
    foreign = _crypto.public_key_to_pem(_crypto.generate_private_key().public_key())
    forged = type(request)(foreign, request.possession_signature, request.idevid_proof)
    with pytest.raises(IdentityError):
        owner.enroll(forged, challenge, manufacturer)


def test_install_refuses_a_certificate_for_another_key(
    factory: ManufacturerCA, device: DeviceIdentity, tmp_path: Path
) -> None:
    with pytest.raises(IdentityError, match="not for this device"):
        device.install_ldevid([device.certificate])


def test_garbage_proof_input_is_a_usage_error(factory: ManufacturerCA) -> None:
    verifier = _verifier(factory.root)
    challenge = verifier.challenge()
    with pytest.raises(IdentityError) as exc:
        verifier.verify(IdentityProof(b"not pem", b""), challenge)
    assert exc.value.exit_code == 2
    with pytest.raises(IdentityError, match="malformed"):
        IdentityProof.from_json({"chain": "x"})
    proof = IdentityProof(b"abc", b"\x01\x02")
    assert IdentityProof.from_json(proof.to_json()) == proof

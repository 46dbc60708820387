"""Signed evidence bundle: DSSE + in-toto Statement v1; tampering, missing files and foreign keys refused."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from jsonschema import Draft202012Validator
from securesystemslib.dsse import Envelope

from securable.assess.assessment import Assessment
from securable.assess.bundle import (
    ENVELOPE,
    PAYLOAD_TYPE,
    STATEMENT_SCHEMA,
    BundleError,
    collect_firmware,
    signer_from_keystore,
    signer_from_pem,
    verify_bundle,
    write_bundle,
)
from securable.assess.decisions import apply_decisions, load_decisions
from securable.assess.model import Verdict
from securable.assess.targets import FirmwareImage
from securable.catalog import Catalog
from securable.device.keystore import FileKeystore
from tests.assess.record._build import build, finding


def _pem_key(path: Path) -> Path:
    key = ed25519.Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.with_suffix(".pub").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture
def made(tmp_path: Path, catalog: Catalog, rootfs: Path) -> tuple[Path, Path, Assessment]:
    """A bundle (tar) of an assessment with decisions, declaration and firmware map; and its public key."""
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "manual.pdf").write_bytes(b"%PDF-1.7 manual")
    decisions_path = tmp_path / "inputs" / "decisions.yaml"
    decisions_path.write_text(
        "schema: securable/decisions/v1\ndecisions:\n- requirement: 'nistir8425:DOC-1a'\n  decision: pass\n"
        "  reviewer: Jane Roe\n  date: 2025-05-30\n  rationale: manual section 4\n  evidence: [manual.pdf]\n",
        encoding="utf-8",
    )
    product = tmp_path / "inputs" / "product.yaml"
    product.write_text("schema: securable/product/v1\n", encoding="utf-8")
    assessment = build(
        catalog,
        [
            finding("fw.docs", Verdict.MANUAL, ["nistir8425:DOC-1a"], path="/doc"),
            finding("fw.inventory", Verdict.PASS, ["nistir8425:AI-1"], path="/etc/os-release"),
        ],
    )
    decided = apply_decisions(assessment, load_decisions(decisions_path), catalog=catalog)
    with FirmwareImage.open(rootfs) as image:
        firmware = collect_firmware(image, rootfs)
    key = _pem_key(tmp_path / "signer.pem")
    bundle = write_bundle(
        tmp_path / "out" / "evidence.tar",
        decided,
        signer_from_pem(key),
        reports={"report.json": b'{"x": 1}\n', "report.sarif": b"{}\n"},
        declaration=product,
        documentation={"manual": "manual.pdf", "site": "https://example.com/docs"},
        decisions=load_decisions(decisions_path),
        firmware=firmware,
        include_documents=True,
    )
    return bundle, key.with_suffix(".pub"), decided


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isreg()}  # type: ignore[union-attr]


def _rewrite(path: Path, files: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_dsse_pae_matches_the_spec_test_vector() -> None:
    # DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    envelope = Envelope(b"hello world", "http://example.com/HelloWorld", {})
    assert envelope.pae() == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"


def test_statement_schema_accepts_the_in_toto_example_and_rejects_broken_ones() -> None:
    example = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {"name": "curl-7.72.0.tar.bz2", "digest": {"sha256": "d4d5899a3868fbb6ae1856c3e55a32ce"}}
        ],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {},
    }
    validator = Draft202012Validator(STATEMENT_SCHEMA)
    assert validator.is_valid(example)
    for broken in (
        {**example, "_type": "https://in-toto.io/Statement/v0.1"},
        {**example, "subject": []},
        {**example, "subject": [{"name": "x", "digest": {"sha256": "not hex"}}]},
    ):
        assert not validator.is_valid(broken)


def test_a_bundle_verifies_and_says_what_was_assessed(made: tuple[Path, Path, Assessment]) -> None:
    bundle, pub, _decided = made
    info = verify_bundle(bundle, trusted_key=pub)
    assert info.pinned
    names = set(info.files)
    assert {
        "reports/report.json",
        "inputs/product.yaml",
        "inputs/decisions.yaml",
        "inputs/decision-evidence/manual.pdf",
        "documents.json",
        "documents/manual-manual.pdf",
        "firmware/map.json",
        "tool.json",
        "evidence/fw.docs.json",
    } <= names
    statement = info.statement
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    firmware_subject = statement["subject"][0]
    assert firmware_subject["name"] == "firmware:rootfs" and len(firmware_subject["digest"]["sha256"]) == 64
    predicate = info.predicate
    assert predicate["decisions"][0]["reviewer"] == "Jane Roe"
    assert {r["id"]: r["verdict"] for r in predicate["requirements"]}["nistir8425:DOC-1a"] == "pass"
    text = "\n".join(info.lines())
    assert "verified" in text and "firmware:rootfs" in text and "no failure" in text
    envelope = json.loads(_members(bundle)[ENVELOPE])
    assert envelope["payloadType"] == PAYLOAD_TYPE
    documents = json.loads(_members(bundle)["documents.json"])
    assert {d["name"]: d.get("note") for d in documents}["site"] == "link: not fetched"
    fw_map = json.loads(_members(bundle)["firmware/map.json"])
    assert any(e["path"] == "/etc/passwd" and "sha256" in e for e in fw_map["entries"])
    unpinned = verify_bundle(bundle)
    assert not unpinned.pinned and "not pinned" in "\n".join(unpinned.lines())


def test_one_changed_byte_is_refused(made: tuple[Path, Path, Assessment]) -> None:
    bundle, pub, _ = made
    files = _members(bundle)
    data = bytearray(files["reports/report.json"])
    data[2] ^= 0x01
    files["reports/report.json"] = bytes(data)
    _rewrite(bundle, files)
    with pytest.raises(BundleError, match=r"'reports/report.json' was changed") as info:
        verify_bundle(bundle, trusted_key=pub)
    assert info.value.exit_code == 1 and "\n" not in str(info.value)


def test_a_missing_or_an_extra_file_is_refused(made: tuple[Path, Path, Assessment]) -> None:
    bundle, pub, _ = made
    files = _members(bundle)
    del files["firmware/map.json"]
    files["reports/extra.html"] = b"<p>not signed</p>"
    _rewrite(bundle, files)
    with pytest.raises(BundleError) as info:
        verify_bundle(bundle, trusted_key=pub)
    assert "'firmware/map.json' is missing" in str(info.value)
    assert "'reports/extra.html' is not covered by the signature" in str(info.value)


def test_a_foreign_signature_is_refused(tmp_path: Path, made: tuple[Path, Path, Assessment]) -> None:
    bundle, pub, _ = made
    files = _members(bundle)
    genuine = dict(files)
    # someone else changes the statement and re-signs it with their own key (and embeds that key)
    envelope = Envelope.from_dict(json.loads(files[ENVELOPE]))
    statement = json.loads(envelope.payload)
    statement["predicate"]["failed"] = False
    forged = Envelope(json.dumps(statement).encode(), PAYLOAD_TYPE, {})
    other = _pem_key(tmp_path / "other.pem")
    forged.sign(signer_from_pem(other))
    files[ENVELOPE] = json.dumps(forged.to_dict()).encode()
    files["signer.pub.pem"] = other.with_suffix(".pub").read_bytes()
    _rewrite(bundle, files)
    with pytest.raises(BundleError, match="does not verify with key"):
        verify_bundle(bundle, trusted_key=pub)
    # and the genuine bundle checked against someone else's key is refused as well
    _rewrite(bundle, genuine)
    with pytest.raises(BundleError, match="foreign key"):
        verify_bundle(bundle, trusted_key=other.with_suffix(".pub"))


def test_a_changed_payload_under_the_original_signature_is_refused(
    made: tuple[Path, Path, Assessment],
) -> None:
    bundle, _pub, _ = made
    files = _members(bundle)
    raw = json.loads(files[ENVELOPE])
    payload = base64.b64decode(raw["payload"]).replace(b'"failed": false', b'"failed": true ')
    raw["payload"] = base64.b64encode(payload).decode()
    files[ENVELOPE] = json.dumps(raw).encode()
    _rewrite(bundle, files)
    with pytest.raises(BundleError, match="signature does not verify"):
        verify_bundle(bundle)


def test_keystore_key_signs_a_folder_bundle(tmp_path: Path, catalog: Catalog) -> None:
    keystore = FileKeystore(tmp_path / "keys")
    public = keystore.generate("assessor")
    (tmp_path / "assessor.pub").write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assessment = build(catalog, [finding("fw.x", Verdict.FAIL, ["nistir8425:AI-1"], path="/etc/x")])
    folder = write_bundle(tmp_path / "bundle", assessment, signer_from_keystore(keystore, "assessor"))
    info = verify_bundle(folder, trusted_key=tmp_path / "assessor.pub")
    assert "reports/report.json" in info.files and "reports/oscal-ar.json" in info.files
    assert "result: FAIL" in "\n".join(info.lines())
    (folder / "evidence" / "fw.x.json").unlink()
    with pytest.raises(BundleError, match=r"'evidence/fw.x.json' is missing"):
        verify_bundle(folder, trusted_key=tmp_path / "assessor.pub")


def test_unsafe_tar_members_are_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar"
    _rewrite(evil, {"../escape": b"x"})
    with pytest.raises(BundleError, match="unsafe path"):
        verify_bundle(evil)
    _rewrite(evil, {"reports/report.json": b"{}"})
    with pytest.raises(BundleError, match=r"attestation.intoto.json is missing"):
        verify_bundle(evil)

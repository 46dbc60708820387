"""The demo's record: the reviewer's decisions for the secure build, and its signed evidence bundle.

After the checks, what is left for a person (documents to judge, outcomes no check evidences
directly) is decided in ``data/decisions-secure.yaml``, shipped beside the demo's documents; the
demo folds it into the secure build's reports, so they have no open item, and then writes the
evidence bundle (``secure/evidence.tar``) signed with a key from the manufacturer's keystore and
verifies it against that key's public half (``secure/bundle-signer.pub.pem``), as anyone holding
the public key can on another machine with ``securable verify-bundle``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from securable.assess.assessment import Assessment
from securable.assess.bundle import (
    BundleInfo,
    collect_firmware,
    signer_from_keystore,
    verify_bundle,
    write_bundle,
)
from securable.assess.decisions import Decisions, load_decisions
from securable.assess.targets import Declaration, FirmwareImage
from securable.device import FileKeystore, KeyAlgorithm

BUNDLE_KEY = "assessment-evidence"


def decisions_path() -> Path:
    return Path(str(resources.files("securable.demo") / "data" / "decisions-secure.yaml"))


def secure_decisions() -> Decisions:
    """The reviewer's decisions for the secure build (validated like any ``--decisions`` file)."""
    return load_decisions(decisions_path())


@dataclass(frozen=True)
class Record:
    path: Path
    public_key: Path
    info: BundleInfo


def record_secure_build(out: Path, assessment: Assessment, image: Path, keys: Path) -> Record:
    """Write ``out/secure/evidence.tar`` signed by a keystore key, and verify it with the public key."""
    keystore = FileKeystore(keys)
    if BUNDLE_KEY not in keystore.list():
        keystore.generate(BUNDLE_KEY, KeyAlgorithm.ED25519)
    folder = out / "secure"
    public = folder / "bundle-signer.pub.pem"
    public.write_bytes(
        keystore.public_key(BUNDLE_KEY).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    declaration = Declaration.load(folder / "product.yaml")
    with FirmwareImage.open(image) as firmware:
        evidence = collect_firmware(firmware, image)
    bundle = folder / "evidence.tar"
    bundle.unlink(missing_ok=True)
    write_bundle(
        bundle,
        assessment,
        signer_from_keystore(keystore, BUNDLE_KEY),
        declaration=folder / "product.yaml",
        documentation=declaration.documentation,
        decisions=secure_decisions(),
        firmware=evidence,
    )
    return Record(bundle, public, verify_bundle(bundle, trusted_key=public))

"""Signed evidence bundle: everything an assessment rests on, in one tar (or folder), attested.

``securable assess … --bundle out/evidence.tar`` (a path ending in ``.tar``) or ``--bundle DIR``
writes:

=================================  =============================================================
``reports/…``                      every report format of the run
``inputs/product.yaml``            the declaration, as given
``inputs/decisions.yaml``          the reviewer decisions, and ``inputs/decision-evidence/…``
                                   the evidence files they cite
``sbom.cdx.json``                  the CycloneDX SBOM the inventory check built (when it ran)
``documents.json``                 the declaration's documentation entries with the SHA-256 of
                                   those that are local files (``documents/…``: the files, when
                                   asked)
``firmware/map.json``              the firmware image's map: every entry, its kind, mode, size
                                   and the SHA-256 of each regular file
``tool.json``                      the tool version and the checks that ran, with their status
``evidence/<check>.json``          the raw evidence: every finding of each check, in full
``attestation.intoto.json``        the DSSE envelope (below)
``signer.pub.pem``                 the signer's public key (for convenience; pin with ``--key``)
=================================  =============================================================

The envelope is a DSSE envelope (``payloadType`` ``application/vnd.in-toto+json``, signed over
the DSSE pre-authentication encoding by securesystemslib) holding an in-toto Statement v1 whose
``subject`` lists the firmware image (its file's SHA-256, or for a folder the SHA-256 of its map)
and every file of the bundle above except the envelope and the public key, and whose
``predicate`` (type :data:`PREDICATE_TYPE`) is the assessment result: profile, targets, summary,
per-requirement verdicts, accepted risks, decisions and the firmware digest.

:func:`verify_bundle` refuses, naming what is wrong: a missing or unreadable envelope, a
signature that does not verify with the trusted key (``--key``; else the embedded one), a
statement that is not in-toto Statement v1, a file whose digest changed, a file the statement
lists but the bundle lacks, a file the bundle holds but the statement does not cover, and a
bundle without its required parts.

Keys: any :class:`securable.device.keystore.Keystore` key (:func:`signer_from_keystore`, PKCS#11
included) or a PEM private key file (:func:`signer_from_pem`), Ed25519 or ECDSA P-256.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jsonschema import Draft202012Validator
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import (  # type: ignore[attr-defined]
    CryptoSigner,
    Key,
    Signature,
    Signer,
    SSlibKey,
)

from securable.assess.assessment import Assessment
from securable.assess.decisions import Decisions
from securable.errors import SecurableError, UsageError

__all__ = [
    "ENVELOPE",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "BundleError",
    "BundleInfo",
    "FirmwareEvidence",
    "KeystoreSigner",
    "collect_firmware",
    "signer_from_keystore",
    "signer_from_pem",
    "verify_bundle",
    "write_bundle",
]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATE_TYPE = "https://securable.dev/attestation/assessment/v1"
ENVELOPE = "attestation.intoto.json"
PUBKEY = "signer.pub.pem"
REQUIRED = ("reports/report.json", "tool.json")
MAX_BUNDLE_BYTES = 2 << 30
MAX_MEMBERS = 100_000

#: The in-toto Statement v1 layout (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).
STATEMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["_type", "subject", "predicateType"],
    "properties": {
        "_type": {"const": STATEMENT_TYPE},
        "subject": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["digest"],
                "properties": {
                    "name": {"type": "string"},
                    "uri": {"type": "string"},
                    "digest": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": "string", "pattern": "^[0-9a-fA-F]+$"},
                    },
                },
            },
        },
        "predicateType": {"type": "string", "pattern": "^[a-zA-Z][a-zA-Z0-9+.-]*:"},
        "predicate": {"type": "object"},
    },
}


class BundleError(SecurableError):
    """An evidence bundle was refused (exit 1): the message says what is wrong."""

    exit_code = 1


# --- signing -----------------------------------------------------------------------------------


class KeystoreSigner(Signer):
    """A securesystemslib signer over a securable keystore key (file or PKCS#11)."""

    def __init__(self, keystore: Any, key_id: str) -> None:
        self._keystore = keystore
        self._key_id = key_id
        self._public = SSlibKey.from_crypto(keystore.public_key(key_id))

    @property
    def public_key(self) -> Key:
        return self._public

    def sign(self, payload: bytes) -> Signature:
        return Signature(self._public.keyid, self._keystore.sign(self._key_id, payload).hex())

    @classmethod
    def from_priv_key_uri(cls, priv_key_uri: str, public_key: Key, secrets_handler: Any = None) -> Signer:
        raise NotImplementedError("build a KeystoreSigner from a keystore and a key id")


def signer_from_keystore(keystore: Any, key_id: str) -> Signer:
    """Sign with key ``key_id`` of a :class:`~securable.device.keystore.Keystore`."""
    return KeystoreSigner(keystore, key_id)


def signer_from_pem(path: str | Path, passphrase: bytes | None = None) -> Signer:
    """Sign with a PEM (PKCS#8) Ed25519 or ECDSA P-256 private key file."""
    source = Path(path)
    try:
        key = serialization.load_pem_private_key(source.read_bytes(), passphrase)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(
            f"signing key '{source}' cannot be loaded ({exc})",
            diagnostics="give a PEM Ed25519 or ECDSA P-256 private key (and its passphrase)",
        ) from None
    if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise UsageError(
            f"signing key '{source}' is not Ed25519 or ECDSA", diagnostics="use Ed25519 or P-256"
        )
    return CryptoSigner(key)


def _public_pem(signer: Signer) -> bytes:
    key = signer.public_key
    assert isinstance(key, SSlibKey)
    return key.keyval["public"].encode("ascii") if key.keytype != "ed25519" else _ed25519_pem(key)


def _ed25519_pem(key: SSlibKey) -> bytes:
    raw = bytes.fromhex(key.keyval["public"])
    public = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _key_from_pem(data: bytes, what: str) -> SSlibKey:
    try:
        public = serialization.load_pem_public_key(data)
    except ValueError:
        raise BundleError(
            f"{what} is not a PEM public key", diagnostics="give the signer's public key"
        ) from None
    if not isinstance(public, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise BundleError(
            f"{what} is not an Ed25519 or ECDSA key", diagnostics="give the signer's public key"
        )
    return SSlibKey.from_crypto(public)


# --- firmware ----------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FirmwareEvidence:
    """The firmware image's identity (``sha256`` of the file, or of the map for a folder) and map."""

    name: str
    sha256: str
    kind: str  # "file" | "tree"
    map: tuple[Mapping[str, Any], ...]

    def map_json(self) -> bytes:
        return _dump({"image": self.name, "digest_kind": self.kind, "entries": list(self.map)})


def collect_firmware(image: Any, source: str | Path) -> FirmwareEvidence:
    """Hash and map an open :class:`~securable.assess.targets.FirmwareImage` (call before closing it).

    When ``image`` is the run's :class:`~securable.assess.facts.FirmwareView` with a
    :class:`~securable.assess.facts.digests.FileDigestMatcher` among its matchers, the digests come
    from the assessment's shared byte pass and only files it did not hash whole are read again.
    """
    from securable.assess.facts.digests import FileDigestMatcher

    known: dict[str, str] = {}
    for matcher in getattr(image, "matchers", ()):
        if isinstance(matcher, FileDigestMatcher):
            known = {d.path: d.sha256 for d in image.content.of(matcher)}
    entries: list[dict[str, Any]] = []
    for entry in image.files():
        item: dict[str, Any] = {
            "path": os.fsencode(entry.path).decode("utf-8", "backslashreplace"),
            "kind": entry.kind.value,
            "mode": f"{entry.mode & 0o7777:04o}",
            "size": entry.size,
            "uid": entry.uid,
            "gid": entry.gid,
        }
        if entry.link is not None:
            item["link"] = os.fsencode(entry.link).decode("utf-8", "backslashreplace")
        if entry.kind.value == "file" and entry.path in known:
            item["sha256"] = known[entry.path]
        elif entry.kind.value == "file":
            digest = hashlib.sha256()
            for chunk in image.iter_chunks(entry.path):
                digest.update(chunk)
            item["sha256"] = digest.hexdigest()
        entries.append(item)
    path = Path(source)
    fw = FirmwareEvidence(path.name or str(path), "", "tree", tuple(entries))
    if path.is_file():
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return FirmwareEvidence(fw.name, digest.hexdigest(), "file", fw.map)
    return FirmwareEvidence(fw.name, _sha256(fw.map_json()), "tree", fw.map)


# --- writing -----------------------------------------------------------------------------------


def _dump(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)[:120] or "file"


def _documents(
    declaration_path: Path | None, documentation: Mapping[str, str], include: bool
) -> dict[str, bytes]:
    rows: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    base = declaration_path.parent if declaration_path is not None else None
    for key, ref in sorted(documentation.items()):
        row: dict[str, Any] = {"name": key, "ref": ref}
        if "://" not in ref and base is not None:
            candidate = (base / ref).resolve()
            if candidate.is_file() and base.resolve() in candidate.parents:
                data = candidate.read_bytes()
                row["sha256"] = _sha256(data)
                row["size"] = len(data)
                if include:
                    row["included"] = f"documents/{_safe_name(key)}-{_safe_name(candidate.name)}"
                    files[row["included"]] = data
            else:
                row["note"] = "not a file next to the declaration"
        else:
            row["note"] = "link: not fetched"
        rows.append(row)
    files["documents.json"] = _dump(rows)
    return files


def _contents(
    assessment: Assessment,
    *,
    reports: Mapping[str, bytes] | None,
    declaration: Path | None,
    documentation: Mapping[str, str],
    decisions: Decisions | None,
    firmware: FirmwareEvidence | None,
    include_documents: bool,
) -> dict[str, bytes]:
    from securable.assess.reports import FORMATS

    files: dict[str, bytes] = {}
    if reports is None:
        reports = {
            filename: render(assessment)
            for name, (filename, render) in FORMATS.items()
            if name != "mud" or assessment.product is not None  # no declaration: no MUD file
        }
    for filename, data in reports.items():
        files[f"reports/{_safe_name(filename)}"] = data
    if declaration is not None:
        files["inputs/product.yaml"] = declaration.read_bytes()
        files.update(_documents(declaration, documentation, include_documents))
    if decisions is not None and decisions.base is not None:
        files["inputs/decisions.yaml"] = Path(decisions.ref).read_bytes()
        for name, path in decisions.evidence_files():
            files[f"inputs/decision-evidence/{PurePosixPath(name).as_posix()}"] = path.read_bytes()
    report = assessment.to_json()
    for item in report["findings"]:
        bom = item["evidence"].get("cyclonedx") if item["check"] == "fw.sbom.inventory" else None
        if isinstance(bom, dict):
            files["sbom.cdx.json"] = _dump(bom)
    if firmware is not None:
        files["firmware/map.json"] = firmware.map_json()
    files["tool.json"] = _dump(
        {
            "name": "securable",
            "version": assessment.tool_version,
            "profile": assessment.profile,
            "checks": report["checks"],
        }
    )
    by_check: dict[str, list[Any]] = {}
    for item in report["findings"]:
        by_check.setdefault(item["check"], []).append(item)
    for check, items in by_check.items():
        files[f"evidence/{_safe_name(check)}.json"] = _dump(items)
    return files


def _statement(
    assessment: Assessment, files: Mapping[str, bytes], firmware: FirmwareEvidence | None
) -> dict[str, Any]:
    report = assessment.to_json()
    subjects: list[dict[str, Any]] = []
    predicate: dict[str, Any] = {
        "tool": report["tool"],
        "profile": report["profile"],
        "started": report["started"],
        "finished": report["finished"],
        "targets": report["targets"],
        "summary": report["summary"],
        "failed": assessment.failed,
        "requirements": [{"id": r["id"], "verdict": r["verdict"]} for r in report["requirements"]],
        "accepted_risks": dict(assessment.accepted_risks),
        "decisions": [
            {k: d[k] for k in ("scope", "target", "decision", "status", "reviewer", "date")}
            for d in report.get("decisions", [])
        ],
        "files": len(files),
    }
    if firmware is not None:
        name = f"firmware:{firmware.name}"
        subjects.append({"name": name, "digest": {"sha256": firmware.sha256}})
        predicate["firmware"] = {"subject": name, "digest_kind": firmware.kind, "entries": len(firmware.map)}
    subjects.extend({"name": n, "digest": {"sha256": _sha256(files[n])}} for n in sorted(files))
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def write_bundle(
    dest: str | Path,
    assessment: Assessment,
    signer: Signer,
    *,
    reports: Mapping[str, bytes] | None = None,
    declaration: str | Path | None = None,
    documentation: Mapping[str, str] | None = None,
    decisions: Decisions | None = None,
    firmware: FirmwareEvidence | None = None,
    include_documents: bool = False,
) -> Path:
    """Write the signed bundle to ``dest`` (a ``.tar`` file, else a folder); returns its path.

    ``reports`` maps report file names to their bytes (default: every format rendered now);
    ``documentation`` is the declaration's documentation section (``Declaration.documentation``).
    """
    files = _contents(
        assessment,
        reports=reports,
        declaration=Path(declaration) if declaration is not None else None,
        documentation=documentation or {},
        decisions=decisions,
        firmware=firmware,
        include_documents=include_documents,
    )
    statement = _statement(assessment, files, firmware)
    Draft202012Validator(STATEMENT_SCHEMA).validate(statement)
    envelope = Envelope(_dump(statement), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    files[ENVELOPE] = _dump(envelope.to_dict())
    files[PUBKEY] = _public_pem(signer)
    target = Path(dest)
    if target.suffix == ".tar":
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(files):
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
                tar.addfile(info, io.BytesIO(files[name]))
        return target
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(
            f"--bundle: '{target}' exists and is not an empty folder", diagnostics="name a new folder"
        )
    for name, data in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target


# --- verifying ---------------------------------------------------------------------------------


def _check_member(name: str, where: str) -> str:
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not name or "\\" in name:
        raise BundleError(
            f"{where}: member '{name}' has an unsafe path", diagnostics="the bundle is not ours"
        )
    return pure.as_posix()


def _read_tar(path: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(path, "r:*") as tar:
            for n, info in enumerate(tar):
                if n >= MAX_MEMBERS:
                    raise BundleError(f"{path}: more than {MAX_MEMBERS} members", diagnostics="not a bundle")
                if info.isdir():
                    continue
                name = _check_member(info.name, str(path))
                if not info.isreg():
                    raise BundleError(
                        f"{path}: '{name}' is not a regular file", diagnostics="the bundle is not ours"
                    )
                if name in files:
                    raise BundleError(f"{path}: '{name}' appears twice", diagnostics="the bundle is not ours")
                total += info.size
                if total > MAX_BUNDLE_BYTES:
                    raise BundleError(
                        f"{path}: larger than {MAX_BUNDLE_BYTES >> 30} GiB", diagnostics="not a bundle"
                    )
                handle = tar.extractfile(info)
                files[name] = handle.read() if handle is not None else b""
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(
            f"bundle '{path}' is not a readable tar ({exc})", diagnostics="give the bundle file"
        ) from None
    return files


def _read_dir(path: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for current, dirs, names in os.walk(path, followlinks=False):
        for name in [*names, *dirs]:
            full = Path(current) / name
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                raise BundleError(f"{path}: '{rel}' is a symbolic link", diagnostics="the bundle is not ours")
            if name in names:
                if not full.is_file():
                    raise BundleError(
                        f"{path}: '{rel}' is not a regular file", diagnostics="the bundle is not ours"
                    )
                total += full.stat().st_size
                if total > MAX_BUNDLE_BYTES:
                    raise BundleError(
                        f"{path}: larger than {MAX_BUNDLE_BYTES >> 30} GiB", diagnostics="not a bundle"
                    )
                files[rel] = full.read_bytes()
    return files


@dataclass(frozen=True)
class BundleInfo:
    """A verified bundle: who signed it, what was assessed and the result."""

    path: str
    keyid: str
    pinned: bool  # verified with a key the caller gave (--key), not the embedded one
    statement: Mapping[str, Any]
    files: tuple[str, ...] = field(default=())

    @property
    def predicate(self) -> Mapping[str, Any]:
        predicate: Mapping[str, Any] = self.statement.get("predicate", {})
        return predicate

    def lines(self) -> Iterator[str]:
        p = self.predicate
        yield f"bundle {self.path}: signature, hashes and completeness verified ({len(self.files)} files)"
        yield f"signed by key {self.keyid}" + (
            "" if self.pinned else " (embedded key, not pinned: pass --key)"
        )
        yield f"tool: securable {p.get('tool', {}).get('version', '?')}, profile {p.get('profile')}"
        yield f"assessed: {p.get('started')} to {p.get('finished')}"
        for target in p.get("targets", []):
            yield f"target: {target.get('kind')} {target.get('ref')}"
        fw = p.get("firmware")
        if fw:
            subject: Mapping[str, Any] = next(
                (s for s in self.statement["subject"] if s.get("name") == fw["subject"]), {}
            )
            yield f"firmware: {fw['subject']} sha256:{subject.get('digest', {}).get('sha256', '?')}"
        summary = ", ".join(f"{k} {v}" for k, v in p.get("summary", {}).items() if v)
        yield f"result: {'FAIL' if p.get('failed') else 'no failure'} ({summary})"
        for req_id, until in sorted(p.get("accepted_risks", {}).items()):
            yield f"accepted risk: {req_id} until {until}"


def verify_bundle(path: str | Path, *, trusted_key: str | Path | None = None) -> BundleInfo:
    """Check signature, hashes and completeness of a bundle; raises :class:`BundleError` naming the fault."""
    source = Path(path)
    if not source.exists():
        raise UsageError(
            f"bundle '{source}' does not exist", diagnostics="give the bundle's .tar file or folder"
        )
    files = _read_dir(source) if source.is_dir() else _read_tar(source)
    if ENVELOPE not in files:
        raise BundleError(
            f"{source}: {ENVELOPE} is missing", diagnostics="the bundle is unsigned or incomplete"
        )
    try:
        raw = json.loads(files[ENVELOPE])
        envelope = Envelope.from_dict(raw)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BundleError(
            f"{source}: {ENVELOPE} is not a DSSE envelope ({exc})", diagnostics="re-create the bundle"
        ) from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise BundleError(
            f"{source}: payloadType is '{envelope.payload_type}', not '{PAYLOAD_TYPE}'",
            diagnostics="not an in-toto attestation",
        )
    if trusted_key is not None:
        key = _key_from_pem(Path(trusted_key).read_bytes(), f"--key '{trusted_key}'")
    elif PUBKEY in files:
        key = _key_from_pem(files[PUBKEY], f"{source}: {PUBKEY}")
    else:
        raise BundleError(
            f"{source}: {PUBKEY} is missing", diagnostics="pass the signer's public key with --key"
        )
    try:
        envelope.verify([key], 1)
    except (VerificationError, ValueError):
        signed_by = ", ".join(envelope.signatures) or "nobody"
        raise BundleError(
            f"{source}: the signature does not verify with key {key.keyid} (signed by {signed_by})",
            diagnostics="the attestation was changed or signed with a foreign key; re-create or re-sign it",
        ) from None
    try:
        statement = json.loads(envelope.payload)
    except ValueError:
        raise BundleError(
            f"{source}: the signed payload is not JSON", diagnostics="re-create the bundle"
        ) from None
    errors = list(Draft202012Validator(STATEMENT_SCHEMA).iter_errors(statement))
    if errors or statement.get("predicateType") != PREDICATE_TYPE:
        what = errors[0].message if errors else f"predicateType {statement.get('predicateType')!r}"
        raise BundleError(
            f"{source}: not an in-toto Statement v1 of securable ({what})", diagnostics="re-create it"
        )
    firmware = (statement.get("predicate") or {}).get("firmware") or {}
    listed = {
        s.get("name"): s["digest"] for s in statement["subject"] if s.get("name") != firmware.get("subject")
    }
    present = {n for n in files if n not in (ENVELOPE, PUBKEY)}
    problems: list[str] = []
    for name in sorted(listed):
        if name not in files:
            problems.append(f"'{name}' is missing")
        elif _sha256(files[name]) != listed[name].get("sha256"):
            problems.append(f"'{name}' was changed (sha256 differs)")
    problems.extend(f"'{name}' is not covered by the signature" for name in sorted(present - set(listed)))
    problems.extend(f"required '{name}' is absent" for name in REQUIRED if name not in listed)
    if problems:
        raise BundleError(
            f"{source}: "
            + "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
            diagnostics="the bundle was altered after signing; re-create it from the assessment",
        )
    return BundleInfo(str(source), key.keyid, trusted_key is not None, statement, tuple(sorted(present)))

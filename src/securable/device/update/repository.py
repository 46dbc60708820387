"""The manufacturer side: a TUF repository of firmware releases, built with ``tuf.api``.

Layout of a repository folder (only ``public/`` is ever uploaded or served)::

    repository.json            settings: expiry per role, hash-bin threshold, pending changes
    keys/root/<keyid>.pem      root keys: keep them offline (``root_key_dir`` may point elsewhere)
    keys/online/<keyid>.pem    targets, snapshot, timestamp and bins keys
    keys/retired/              keys replaced by ``rotate_key`` (kept for audit, never used)
    staged/<role>.json         current metadata of every role, unversioned
    public/metadata/           what devices fetch: N.root.json, timestamp.json, N.snapshot.json, ...
    public/targets/            images/<sha256>.<name> and channels/<sha256>.<hardware-id>.json

Roles: root (threshold of offline keys) signs the keys of the others; targets lists images and
per-hardware channels; snapshot and timestamp give freshness and consistency. Past
``hash_bin_threshold`` targets, targets delegates to succinct hash bins (TAP 15), so a device
downloads one small bin instead of a huge targets file. Consistent snapshots are on: every
metadata and target file is published under a new name and ``timestamp.json`` is written last,
so a static server never shows a half-published release.

Keys are securesystemslib ``CryptoSigner`` keys (Ed25519 by default, or ECDSA P-256), stored
as PKCS#8 PEM; root keys can be encrypted with a passphrase.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from securable.device import _crypto
from securable.device.update._files import atomic_write_bytes, atomic_write_json, read_json
from securable.device.update._tuf import (
    CryptoSigner,
    Delegations,
    JSONSerializer,
    Metadata,
    MetaFile,
    Root,
    Signer,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from securable.device.update.release import Release, channel_path, check_hardware_id, check_version
from securable.errors import UpdateError, UsageError

TOP_ROLES = (Root.type, Targets.type, Snapshot.type, Timestamp.type)
BINS_PREFIX = "bins"
_SERIALIZER = JSONSerializer(compact=False)
_UTC = datetime.UTC


class RepositoryError(UpdateError):
    """The release repository is missing, incomplete or inconsistent (e.g. a key is absent)."""

    exit_code = 2


@dataclass
class RepositorySettings:
    """Per-role lifetimes (days) and the hash-bin switch point, kept in ``repository.json``."""

    key_type: str = "ed25519"
    expiry_days: dict[str, int] = field(
        default_factory=lambda: {"root": 365, "targets": 90, "bins": 90, "snapshot": 7, "timestamp": 1}
    )
    hash_bin_threshold: int = 1000
    hash_bin_bits: int = 8
    pending: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RepositorySettings:
        return cls(
            key_type=str(data.get("key_type", "ed25519")),
            expiry_days={**cls().expiry_days, **dict(data.get("expiry_days", {}))},
            hash_bin_threshold=int(data.get("hash_bin_threshold", 1000)),
            hash_bin_bits=int(data.get("hash_bin_bits", 8)),
            pending=[str(r) for r in data.get("pending", [])],
        )


def _now() -> datetime.datetime:
    return datetime.datetime.now(_UTC).replace(microsecond=0)


def generate_key(key_type: str = "ed25519") -> _crypto.PrivateKey:
    """A fresh signing key: Ed25519 (default) or ECDSA P-256 (``ecdsa``), for HSM parity."""
    if key_type == "ed25519":
        return _crypto.generate_private_key(_crypto.KeyAlgorithm.ED25519)
    if key_type == "ecdsa":
        return _crypto.generate_private_key(_crypto.KeyAlgorithm.P256)
    raise UsageError(f"key type {key_type!r} is not supported", diagnostics="use ed25519 or ecdsa")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class ReleaseRepository:
    """A firmware release repository on disk. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(
        self, path: Path, *, root_key_dir: Path | None = None, passphrase: bytes | None = None
    ) -> None:
        self.path = Path(path)
        self.root_key_dir = Path(root_key_dir) if root_key_dir else self.path / "keys" / "root"
        self.passphrase = passphrase
        data = read_json(self.path / "repository.json")
        if not isinstance(data, dict):
            raise RepositoryError(
                f"{self.path} is not a release repository",
                diagnostics="create one with `securable update init DIR`",
            )
        self.settings = RepositorySettings.from_dict(data)
        self._md: dict[str, Metadata[Any]] = {}
        self._dirty: set[str] = set(self.settings.pending)

    # --- folders -------------------------------------------------------------------------------

    @property
    def public_dir(self) -> Path:
        return self.path / "public"

    @property
    def metadata_dir(self) -> Path:
        return self.public_dir / "metadata"

    @property
    def targets_dir(self) -> Path:
        return self.public_dir / "targets"

    @property
    def online_key_dir(self) -> Path:
        return self.path / "keys" / "online"

    # --- creation ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        root_keys: int = 1,
        root_threshold: int = 1,
        key_type: str = "ed25519",
        root_key_dir: Path | None = None,
        passphrase: bytes | None = None,
        hash_bin_threshold: int = 1000,
        hash_bin_bits: int = 8,
        expiry_days: dict[str, int] | None = None,
    ) -> ReleaseRepository:
        """Generate keys and a signed root, targets, snapshot and timestamp; publish them."""
        path = Path(path)
        if (path / "repository.json").exists():
            raise UsageError(f"{path} already holds a release repository", diagnostics="pick an empty folder")
        if not 1 <= root_threshold <= root_keys:
            raise UsageError(
                f"root threshold {root_threshold} does not fit {root_keys} root key(s)",
                diagnostics="use 1 <= --root-threshold <= --root-keys",
            )
        if not 1 <= hash_bin_bits <= 16:
            raise UsageError(
                "hash-bin bits must be 1..16", diagnostics="8 (256 bins) suits up to ~100k targets"
            )
        generate_key(key_type)  # validates key_type before anything is written
        settings = RepositorySettings(
            key_type=key_type, hash_bin_threshold=hash_bin_threshold, hash_bin_bits=hash_bin_bits
        )
        if expiry_days:
            unknown = set(expiry_days) - set(settings.expiry_days)
            if unknown or any(days < 1 for days in expiry_days.values()):
                raise UsageError(
                    f"bad expiry settings {expiry_days}",
                    diagnostics="give days >= 1 for root, targets, bins, snapshot or timestamp",
                )
            settings.expiry_days.update(expiry_days)
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path / "repository.json", asdict(settings))
        repo = cls(path, root_key_dir=root_key_dir, passphrase=passphrase)

        root = Root(expires=repo._expiry("root"), consistent_snapshot=True)
        for _ in range(root_keys):
            root.add_key(repo._new_key(Root.type).public_key, Root.type)
        root.roles[Root.type].threshold = root_threshold
        for role in (Targets.type, Snapshot.type, Timestamp.type):
            root.add_key(repo._new_key(role).public_key, role)
        repo._md[Root.type] = Metadata(root)
        repo._md[Targets.type] = Metadata(Targets(expires=repo._expiry("targets")))
        repo._md[Snapshot.type] = Metadata(Snapshot(expires=repo._expiry("snapshot")))
        repo._md[Timestamp.type] = Metadata(Timestamp(expires=repo._expiry("timestamp")))
        repo._sign_root(repo._md[Root.type], previous=None)
        repo._write_root()
        repo._dirty = {Targets.type}
        repo.publish(bump=False)
        return repo

    @classmethod
    def open(
        cls, path: Path, *, root_key_dir: Path | None = None, passphrase: bytes | None = None
    ) -> ReleaseRepository:
        return cls(path, root_key_dir=root_key_dir, passphrase=passphrase)

    # --- keys ----------------------------------------------------------------------------------

    def _key_dir(self, role: str) -> Path:
        return self.root_key_dir if role == Root.type else self.online_key_dir

    def _new_key(self, role: str) -> CryptoSigner:
        private = generate_key(self.settings.key_type)
        signer = CryptoSigner(private)
        key_dir = self._key_dir(role)
        key_dir.mkdir(parents=True, exist_ok=True)
        passphrase = self.passphrase if role == Root.type else None
        pem = _crypto.private_key_to_pem(private, passphrase)
        key_file = key_dir / f"{signer.public_key.keyid}.pem"
        atomic_write_bytes(key_file, pem)
        key_file.chmod(0o600)
        return signer

    def _signers(self, role: str, keyids: Iterable[str]) -> list[Signer]:
        signers: list[Signer] = []
        for keyid in keyids:
            key_file = self._key_dir(role) / f"{keyid}.pem"
            if not key_file.exists():
                continue
            passphrase = self.passphrase if role == Root.type else None
            try:
                private = _crypto.private_key_from_pem(key_file.read_bytes(), passphrase)
            except (ValueError, TypeError) as exc:
                raise RepositoryError(
                    f"cannot load key {key_file}: {exc}",
                    diagnostics="give the right root passphrase (SECURABLE_UPDATE_ROOT_PASSPHRASE)",
                ) from None
            signers.append(CryptoSigner(private))
        return signers

    def _role_keys(self, role: str) -> tuple[list[str], int]:
        root = self.root
        if role in TOP_ROLES:
            r = root.roles[role]
            return list(r.keyids), r.threshold
        targets = self._load(Targets.type).signed
        assert targets.delegations is not None and targets.delegations.succinct_roles is not None
        succinct = targets.delegations.succinct_roles
        return list(succinct.keyids), succinct.threshold

    def _sign(self, role: str, md: Metadata[Any]) -> None:
        keyids, threshold = self._role_keys(role)
        kind = BINS_PREFIX if role.startswith(BINS_PREFIX + "-") else role
        signers = self._signers(kind, keyids)
        if len(signers) < threshold:
            raise RepositoryError(
                f"only {len(signers)} of the {threshold} keys needed to sign {role} are available",
                diagnostics=f"make the {kind} keys available in {self._key_dir(kind)}",
            )
        md.signatures.clear()
        for signer in signers:
            md.sign(signer, append=True)

    def _sign_root(self, md: Metadata[Root], previous: Root | None) -> None:
        """Sign root with its own threshold and, on rotation, the previous root's threshold too."""
        md.signatures.clear()
        needed: dict[str, int] = {}
        roles = [(md.signed, "new")] + ([(previous, "old")] if previous is not None else [])
        available: dict[str, Signer] = {}
        for root, label in roles:
            keyids = root.roles[Root.type].keyids
            signers = self._signers(Root.type, keyids)
            needed[label] = root.roles[Root.type].threshold - len(signers)
            for signer in signers:
                available[signer.public_key.keyid] = signer
        if any(missing > 0 for missing in needed.values()):
            raise RepositoryError(
                "not enough root keys are available to sign the new root",
                diagnostics=f"connect the offline root keys (folder {self.root_key_dir}) and retry",
            )
        for signer in available.values():
            md.sign(signer, append=True)

    # --- metadata access -----------------------------------------------------------------------

    def _expiry(self, role: str) -> datetime.datetime:
        kind = BINS_PREFIX if role.startswith(BINS_PREFIX + "-") else role
        return _now() + datetime.timedelta(days=self.settings.expiry_days[kind])

    def _load(self, role: str) -> Metadata[Any]:
        if role not in self._md:
            file = self.path / "staged" / f"{role}.json"
            try:
                self._md[role] = Metadata.from_file(str(file))
            except FileNotFoundError:
                raise RepositoryError(
                    f"{file} is missing", diagnostics="the repository is incomplete"
                ) from None
        return self._md[role]

    def _stage(self, role: str) -> None:
        atomic_write_bytes(self.path / "staged" / f"{role}.json", self._load(role).to_bytes(_SERIALIZER))

    @property
    def root(self) -> Root:
        return cast("Root", self._load(Root.type).signed)

    def trusted_root(self) -> bytes:
        """The current root.json bytes: ship these in the firmware image as the trust anchor."""
        return self._load(Root.type).to_bytes(_SERIALIZER)

    def _bins(self) -> SuccinctRoles | None:
        delegations = self._load(Targets.type).signed.delegations
        return delegations.succinct_roles if delegations is not None else None

    def _role_for(self, target_path: str) -> str:
        succinct = self._bins()
        return succinct.get_role_for_target(target_path) if succinct else Targets.type

    def hash_bin_roles(self) -> list[str]:
        """Names of the hash-bin roles; empty while top-level targets holds everything."""
        succinct = self._bins()
        return list(succinct.get_roles()) if succinct else []

    def _target_roles(self) -> list[str]:
        succinct = self._bins()
        return [Targets.type, *(succinct.get_roles() if succinct else [])]

    def targets(self) -> Iterator[TargetFile]:
        """Every target entry, in whichever role holds it."""
        for role in self._target_roles():
            yield from self._load(role).signed.targets.values()

    def releases(self) -> list[Release]:
        out = []
        for target in self.targets():
            if target.path.startswith("images/"):
                out.append(Release.from_custom(target.path, target.custom))
        return sorted(out, key=lambda r: (r.security_version, r.version, r.target_path))

    def channel(self, hardware_id: str) -> str | None:
        """The image path the channel of ``hardware_id`` points at, if any."""
        path = channel_path(hardware_id)
        target = self._load(self._role_for(path)).signed.targets.get(path)
        if target is None:
            return None
        return cast("str", target.custom["securable"]["image"])

    # --- changes -------------------------------------------------------------------------------

    def _put_target(self, target: TargetFile) -> None:
        role = self._role_for(target.path)
        self._load(role).signed.targets[target.path] = target
        self._dirty.add(role)

    def _copy_target(self, source: Path, target_path: str, digest: str) -> None:
        parent, _, name = target_path.rpartition("/")
        dest = self.targets_dir / parent / f"{digest}.{name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            tmp = dest.with_name(dest.name + ".tmp")
            shutil.copyfile(source, tmp)
            tmp.replace(dest)

    def add_release(
        self,
        image: Path,
        *,
        version: str,
        security_version: int,
        hardware_ids: Iterable[str],
        name: str | None = None,
        allow_lower_security_version: bool = False,
        stage: bool = True,
    ) -> Release:
        """Stage an image as a release and point each hardware id's channel at it.

        The image is copied into ``public/targets/images``; call :meth:`publish` to sign and
        expose it. Refuses a security version lower than what a channel already carries unless
        ``allow_lower_security_version`` (devices would refuse it anyway). With ``stage=False``
        the change stays in memory until :meth:`publish` (bulk imports of many releases).
        """
        image = Path(image)
        if not image.is_file():
            raise UsageError(
                f"image {image} is not a readable file", diagnostics="give the path of the firmware image"
            )
        check_version(version)
        if security_version < 0:
            raise UsageError(
                "security version must be >= 0", diagnostics="use the image's anti-rollback counter"
            )
        hw = tuple(check_hardware_id(h) for h in hardware_ids)
        if not hw:
            raise UsageError("no hardware id given", diagnostics="name at least one board with --hardware-id")
        base = name or image.name
        stem, dot, ext = base.rpartition(".")
        file_name = f"{stem}-{version}.{ext}" if dot and stem else f"{base}-{version}"
        release = Release(f"images/{file_name}", version, security_version, hw)
        for hardware_id in hw:
            current = self.channel(hardware_id)
            if current is None or allow_lower_security_version:
                continue
            current_release = Release.from_custom(current, self._target(current).custom)
            if security_version < current_release.security_version:
                raise UsageError(
                    f"release {version} has security version {security_version}, below the "
                    f"{current_release.security_version} of {current_release.version} on {hardware_id}",
                    diagnostics="devices would refuse it; raise --security-version or pass --allow-lower",
                )
        digest = _sha256_file(image)
        self._copy_target(image, release.target_path, digest)
        target = TargetFile(
            length=image.stat().st_size,
            hashes={"sha256": digest},
            path=release.target_path,
            unrecognized_fields={"custom": release.custom()},
        )
        self._put_target(target)
        for hardware_id in hw:
            self._put_channel(hardware_id, release)
        self._maybe_enable_hash_bins()
        if stage:
            self._save_pending()
        return release

    def _target(self, path: str) -> TargetFile:
        return cast("TargetFile", self._load(self._role_for(path)).signed.targets[path])

    def _put_channel(self, hardware_id: str, release: Release) -> None:
        path = channel_path(hardware_id)
        content = (json.dumps(release.channel_custom(), sort_keys=True) + "\n").encode()
        target = TargetFile.from_data(path, content)
        target.unrecognized_fields["custom"] = release.channel_custom()
        digest = target.hashes["sha256"]
        dest = self.targets_dir / "channels" / f"{digest}.{hardware_id}.json"
        atomic_write_bytes(dest, content)
        self._put_target(target)

    def _maybe_enable_hash_bins(self) -> None:
        if self._bins() is not None:
            return
        top = self._load(Targets.type).signed
        if len(top.targets) <= self.settings.hash_bin_threshold:
            return
        signer = self._new_key(BINS_PREFIX)
        succinct = SuccinctRoles([signer.public_key.keyid], 1, self.settings.hash_bin_bits, BINS_PREFIX)
        top.delegations = Delegations(
            keys={signer.public_key.keyid: signer.public_key}, succinct_roles=succinct
        )
        moved = dict(top.targets)
        top.targets.clear()
        for role in succinct.get_roles():
            self._md[role] = Metadata(Targets(expires=self._expiry(role)))
            self._dirty.add(role)
        for target in moved.values():
            self._put_target(target)
        self._dirty.add(Targets.type)

    def _save_pending(self) -> None:
        for role in self._dirty:
            self._stage(role)
        self.settings.pending = sorted(self._dirty)
        atomic_write_json(self.path / "repository.json", asdict(self.settings))

    # --- signing and publishing ----------------------------------------------------------------

    def _write_root(self) -> None:
        md = self._load(Root.type)
        self._stage(Root.type)
        data = md.to_bytes(_SERIALIZER)
        atomic_write_bytes(self.metadata_dir / f"{md.signed.version}.root.json", data)
        atomic_write_bytes(self.metadata_dir / "root.json", data)

    def _finish(self, md: Metadata[Any], role: str, bump: bool) -> None:
        if bump:
            md.signed.version += 1
        md.signed.expires = self._expiry(role)
        self._sign(role, md)
        self._stage(role)

    def publish(self, *, bump: bool = True) -> int:
        """Sign every changed targets role, then snapshot and timestamp; returns the snapshot version."""
        changed = sorted(self._dirty - {Snapshot.type, Timestamp.type})
        for role in changed:
            md = self._load(role)
            self._finish(md, role, bump)
            atomic_write_bytes(
                self.metadata_dir / f"{md.signed.version}.{role}.json", md.to_bytes(_SERIALIZER)
            )
        snapshot_md = self._load(Snapshot.type)
        snapshot = cast("Snapshot", snapshot_md.signed)
        for role in self._target_roles():
            snapshot.meta[f"{role}.json"] = MetaFile(version=self._load(role).signed.version)
        self._finish(snapshot_md, Snapshot.type, bump)
        snap_bytes = snapshot_md.to_bytes(_SERIALIZER)
        atomic_write_bytes(self.metadata_dir / f"{snapshot.version}.snapshot.json", snap_bytes)
        self._publish_timestamp(snapshot.version, bump)
        self._dirty.clear()
        self._save_pending()
        return snapshot.version

    def _publish_timestamp(self, snapshot_version: int, bump: bool) -> None:
        md = self._load(Timestamp.type)
        cast("Timestamp", md.signed).snapshot_meta = MetaFile(version=snapshot_version)
        self._finish(md, Timestamp.type, bump)
        atomic_write_bytes(self.metadata_dir / "timestamp.json", md.to_bytes(_SERIALIZER))

    def refresh_timestamp(self) -> int:
        """Re-sign timestamp (and snapshot when it expires sooner than a day): the routine job."""
        snapshot = cast("Snapshot", self._load(Snapshot.type).signed)
        if snapshot.expires - _now() < datetime.timedelta(days=1):
            return self.publish()
        self._publish_timestamp(snapshot.version, bump=True)
        return cast("Timestamp", self._load(Timestamp.type).signed).version

    def rotate_key(self, role: str) -> int:
        """Replace every key of ``role`` with fresh ones and publish the new root (and the role).

        The new root is signed by the threshold of the old root keys and of the new ones, so
        devices step to it; metadata signed by the old keys stops verifying, which is also how
        a device recovers from a fast-forward attack made with a stolen timestamp/snapshot key.
        Returns the new root version.
        """
        if role not in (*TOP_ROLES, BINS_PREFIX):
            raise UsageError(
                f"unknown role {role!r}", diagnostics="use root, targets, snapshot, timestamp or bins"
            )
        old_root_md = self._load(Root.type)
        # deep copies: to_dict() shares the keyid lists with the live object
        old_root = copy.deepcopy(old_root_md.signed)
        new_root_md = Metadata(copy.deepcopy(old_root_md.signed))
        new_root = new_root_md.signed
        retired = self.path / "keys" / "retired"
        if role == BINS_PREFIX:
            targets = self._load(Targets.type).signed
            succinct = self._bins()
            if succinct is None:
                raise UsageError("this repository has no hash bins yet", diagnostics="nothing to rotate")
            old_ids = list(succinct.keyids)
            for _ in old_ids:
                targets.add_key(self._new_key(BINS_PREFIX).public_key)
            for keyid in old_ids:
                targets.revoke_key(keyid)
                self._retire(BINS_PREFIX, keyid, retired)
            self._dirty.update(self._target_roles())
            self._save_pending()
            self.publish()
            return int(new_root.version)
        old_ids = list(new_root.roles[role].keyids)
        for _ in old_ids:
            new_root.add_key(self._new_key(role).public_key, role)
        for keyid in old_ids:
            new_root.revoke_key(keyid, role)
        new_root.version += 1
        new_root.expires = self._expiry("root")
        self._md[Root.type] = new_root_md
        self._sign_root(new_root_md, previous=old_root)
        self._write_root()
        for keyid in old_ids:
            self._retire(role, keyid, retired)
        if role == Targets.type:
            self._dirty.add(Targets.type)
        self._save_pending()
        self.publish()
        return int(new_root.version)

    def _retire(self, role: str, keyid: str, retired: Path) -> None:
        source = self._key_dir(role) / f"{keyid}.pem"
        if source.exists():
            retired.mkdir(parents=True, exist_ok=True)
            source.replace(retired / source.name)

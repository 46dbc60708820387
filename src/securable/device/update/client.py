"""The device side: check, download, verify, install into the inactive slot, boot, confirm.

:class:`DeviceUpdater` drives python-tuf's ``ngclient.Updater`` for everything about trust
(root rotation, timestamp → snapshot → targets → delegations, expiry, versions, signatures,
thresholds, length caps) and adds what TUF leaves to the device:

* which image this device should run (its hardware id's channel) and whether it may
  (hardware id match, security version at or above the anti-rollback floor);
* a resumable download whose result is still checked with TUF's ``verify_length_and_hashes``;
* the A/B install, trial boot, health-check confirmation and automatic fall-back
  (:mod:`securable.device.update.slots`);
* owner policy (enabled / disabled, automatic / notify-only) and an authorized rollback that
  never goes below the floor;
* a security-log event for every stage.

Recovery: when no slot holds an image that both verifies and meets the anti-rollback floor
(say the running v2 was corrupted at rest and only the retired v1 still verifies),
:meth:`DeviceUpdater.boot` runs nothing: it records ``update.boot`` failure with reason
``recovery``, keeps the fact in ``recovery.json`` (:attr:`DeviceUpdater.recovery`, which the
device reports until repaired) and raises :class:`BootRecoveryError`. The device maker must
provide what happens next, as Android devices do with their recovery mode:

* a *recovery environment* the bootloader enters on that error — a small image in its own
  read-only partition (or ROM), verified by the boot chain, that is never one of the A/B slots;
* in it, network access and one round of :meth:`DeviceUpdater.update` against the same
  repository and trusted root: the damaged slot counts as nothing installed, so the current
  release is downloaded, verified with TUF and written to the other slot (or, offline, a
  signed image accepted over USB or serial and checked the same way);
* a visible sign for the owner (LED, screen, app) that the device is in recovery, and a
  service route (return or re-flash at a service point) when no network is available.

Typical device loop::

    updater = DeviceUpdater(state_dir, metadata_url=..., targets_url=..., trusted_root=ROOT,
                            hardware_id="sensor-rev-b", log=security_log)
    updater.boot()                       # early boot: pick and verify the slot
    updater.confirm(health_check)        # after services came up
    updater.update()                     # periodically; installs and switches on success
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from securable.device.update._files import atomic_write_json, read_json
from securable.device.update._tuf import FetcherInterface, TargetFile, Updater, UpdaterConfig
from securable.device.update._tuf import exceptions as tuf_exc
from securable.device.update.download import PoolFetcher, RangeDownloader
from securable.device.update.errors import BootRecoveryError, RefusalReason, SlotError, UpdateRefusedError
from securable.device.update.events import Outcome, SecurityEventSink, Stage
from securable.device.update.floor import AntiRollbackFloor
from securable.device.update.policy import PolicyStore, UpdateMode, UpdatePolicy
from securable.device.update.release import Release, channel_image_path, channel_path, check_hardware_id
from securable.device.update.slots import ABSlots, BootResult, SlotManifest

ProgressCallback = Callable[[Stage, int], None]
Clock = Callable[[], datetime.datetime]


@dataclass(frozen=True)
class UpdateOffer:
    """A verified release this device may install (metadata checked; image not yet fetched)."""

    release: Release
    target: TargetFile
    installed: SlotManifest | None
    url: str


@dataclass(frozen=True)
class StagedImage:
    """A downloaded image that matched the signed target (``resumed_from``: bytes reused)."""

    path: Path
    resumed_from: int


@dataclass(frozen=True)
class RecoveryState:
    """Why the device could not boot a slot (see the module docstring); reported until repaired."""

    reason: str
    message: str
    security_version_floor: int

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "message": self.message,
            "security_version_floor": self.security_version_floor,
        }


@dataclass(frozen=True)
class InstallResult:
    """An image was written to ``slot`` and made active on trial; a reboot + confirm completes it."""

    slot: str
    release: Release
    resumed_from: int


# Order matters: subclasses before their bases.
_TUF_REASONS: tuple[tuple[type[Exception], RefusalReason], ...] = (
    (tuf_exc.UnsignedMetadataError, RefusalReason.SIGNATURE),
    (tuf_exc.BadVersionNumberError, RefusalReason.METADATA_VERSION),
    (tuf_exc.ExpiredMetadataError, RefusalReason.EXPIRED),
    (tuf_exc.LengthOrHashMismatchError, RefusalReason.HASH),
    (tuf_exc.DownloadLengthMismatchError, RefusalReason.ENDLESS_DATA),
    (tuf_exc.DownloadError, RefusalReason.DOWNLOAD),
    (tuf_exc.RepositoryError, RefusalReason.REPOSITORY),
)

_DIAGNOSTICS = {
    RefusalReason.SIGNATURE: "the repository's metadata is not signed by the keys this device trusts",
    RefusalReason.METADATA_VERSION: "the repository served older or inconsistent metadata; try again later",
    RefusalReason.EXPIRED: "the repository's metadata expired; the manufacturer must re-sign it",
    RefusalReason.HASH: "the downloaded bytes differ from the signed image; the download was discarded",
    RefusalReason.ENDLESS_DATA: "the server sent more than the signed length; the download was discarded",
    RefusalReason.DOWNLOAD: "check the device's network and the repository URL",
    RefusalReason.REPOSITORY: "the repository's metadata failed verification",
}


class DeviceUpdater:
    """Secure software update for one device. See the module docstring for the workflow.

    Args:
        state_dir: the device's writable update state (TUF cache, downloads, slots, floor,
            policy). Only one updater may use it at a time.
        metadata_url: base URL of the TUF metadata.
        targets_url: base URL of the TUF targets.
        trusted_root: the root.json bytes shipped in the firmware: the only trust anchor.
        hardware_id: this board's hardware id; only images listing it are installed.
        slots: slot storage; defaults to folders under ``state_dir``.
        log: where stage events go (``SecurityLog`` or anything with a matching ``record``).
        fetcher: ngclient fetcher for metadata (default: :class:`PoolFetcher`).
        config: ngclient configuration (length caps, root rotation limits).
        clock: time source for metadata expiry (default: the system clock).
        progress: called with (stage, bytes) while downloading and writing the slot.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        metadata_url: str,
        targets_url: str,
        trusted_root: bytes,
        hardware_id: str,
        slots: ABSlots | None = None,
        log: SecurityEventSink | None = None,
        fetcher: FetcherInterface | None = None,
        downloader: RangeDownloader | None = None,
        config: UpdaterConfig | None = None,
        clock: Clock | None = None,
        progress: ProgressCallback | None = None,
        initial_floor: int = 0,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.metadata_url = metadata_url.rstrip("/") + "/"
        self.targets_url = targets_url.rstrip("/") + "/"
        self.trusted_root = trusted_root
        self.hardware_id = check_hardware_id(hardware_id)
        self.slots = slots or ABSlots.in_folder(self.state_dir)
        self.floor = AntiRollbackFloor(self.state_dir / "floor.json", initial=initial_floor)
        self.policies = PolicyStore(self.state_dir / "policy.json")
        self.log = log
        self._downloader = downloader or RangeDownloader()
        self._fetcher = fetcher or PoolFetcher(self._downloader.pool)
        self._config = config
        self._clock = clock
        self._progress = progress
        (self.state_dir / "metadata").mkdir(parents=True, exist_ok=True)

    # --- logging -------------------------------------------------------------------------------

    def _record(self, stage: Stage, outcome: Outcome, **details: Any) -> None:
        if self.log is not None:
            clean = {k: v for k, v in details.items() if v is not None}
            self.log.record(f"update.{stage.value}", outcome.value, **clean)

    def _refuse(
        self, stage: Stage, reason: RefusalReason, message: str, diagnostics: str = ""
    ) -> UpdateRefusedError:
        self._record(stage, Outcome.FAILURE, reason=reason.value, error=message)
        error = UpdateRefusedError(
            message, reason=reason, diagnostics=diagnostics or _DIAGNOSTICS.get(reason, "")
        )
        error.recorded = True
        return error

    @contextlib.contextmanager
    def _tuf_errors(self, stage: Stage) -> Iterator[None]:
        """Turn python-tuf's exceptions into refusals with a reason (the original is the cause)."""
        try:
            yield
        except UpdateRefusedError as exc:
            if not exc.recorded:
                self._record(stage, Outcome.FAILURE, reason=exc.reason.value, error=exc.message)
                exc.recorded = True
            raise
        except (tuf_exc.RepositoryError, tuf_exc.DownloadError) as exc:
            reason = next(r for cls, r in _TUF_REASONS if isinstance(exc, cls))
            raise self._refuse(stage, reason, f"update refused: {type(exc).__name__}: {exc}") from exc

    # --- policy --------------------------------------------------------------------------------

    @property
    def policy(self) -> UpdatePolicy:
        return self.policies.load()

    def set_policy(
        self, *, enabled: bool | None = None, mode: UpdateMode | None = None, principal: object | None = None
    ) -> UpdatePolicy:
        """Change the owner's update policy (SU-5/SU-6); the change is logged."""
        old = self.policy
        new = UpdatePolicy(
            enabled=old.enabled if enabled is None else enabled,
            mode=old.mode if mode is None else UpdateMode(mode),
        )
        self.policies.save(new)
        extra = {"principal": principal} if principal is not None else {}
        self._record(Stage.POLICY, Outcome.SUCCESS, enabled=new.enabled, mode=new.mode.value, **extra)
        return new

    # --- boot ----------------------------------------------------------------------------------

    @property
    def recovery(self) -> RecoveryState | None:
        """The recovery state the last boot ended in, or ``None`` when a slot booted."""
        data = read_json(self.state_dir / "recovery.json")
        if not isinstance(data, dict):
            return None
        return RecoveryState(
            str(data.get("reason", "recovery")),
            str(data.get("message", "")),
            int(data.get("security_version_floor", 0)),
        )

    def boot(self) -> BootResult:
        """Early-boot step: choose and verify the slot to run (counts trial boots, falls back).

        Raises :class:`BootRecoveryError` (and enters the recovery state) when no slot holds an
        image that verifies at or above the anti-rollback floor.
        """
        before = self.slots.state()
        floor = self.floor.value
        try:
            result = self.slots.boot(floor=floor)
        except BootRecoveryError as exc:
            state = RecoveryState("recovery", exc.message, floor)
            atomic_write_json(self.state_dir / "recovery.json", state.to_json())
            self._record(
                Stage.BOOT,
                Outcome.FAILURE,
                reason="recovery",
                error=exc.message,
                security_version_floor=floor,
            )
            raise
        except SlotError as exc:
            self._record(Stage.BOOT, Outcome.FAILURE, error=exc.message)
            raise
        if self.recovery is not None:
            (self.state_dir / "recovery.json").unlink(missing_ok=True)
        if not result.trial:
            # A confirmed image lifts the floor; repeating it here heals a crash between
            # confirmation and the floor write.
            self.floor.raise_to(result.manifest.security_version)
        if result.fell_back and before is not None and before.trial:
            self._mark_failed(self.slots.manifest(before.active))
        self._record(
            Stage.BOOT,
            Outcome.SUCCESS,
            slot=result.slot,
            version=result.manifest.version,
            trial=result.trial,
            fell_back=result.fell_back,
        )
        return result

    def confirm(self, health_check: Callable[[], bool] | None = None) -> bool:
        """Confirm a trial image when ``health_check`` passes; otherwise fall back at once.

        Returns True when the running image is (now) confirmed. Without a pending trial this is
        a no-op returning True. A device that never calls this falls back on its own after
        ``max_trial_boots`` boots.
        """
        state = self.slots.state()
        if state is None or not state.trial:
            return True
        healthy = True
        if health_check is not None:
            try:
                healthy = bool(health_check())
            except Exception:
                healthy = False
        manifest = self.slots.manifest(state.active)
        if healthy and manifest is not None:
            self.slots.confirm()
            self.floor.raise_to(manifest.security_version)
            self._record(
                Stage.CONFIRM,
                Outcome.SUCCESS,
                slot=state.active,
                version=manifest.version,
                security_version_floor=self.floor.value,
            )
            return True
        self.slots.fall_back()
        self._mark_failed(manifest)
        self._record(Stage.ROLLBACK, Outcome.SUCCESS, slot=state.active, cause="health check failed")
        return False

    # A release whose trial failed is not offered again (no install/fall-back loop); a newer
    # release, with other bytes, is.
    def _failed_digests(self) -> set[str]:
        data = read_json(self.state_dir / "failed.json")
        return {str(d) for d in data} if isinstance(data, list) else set()

    def _mark_failed(self, manifest: SlotManifest | None) -> None:
        if manifest is not None and "sha256" in manifest.hashes:
            digests = self._failed_digests() | {manifest.hashes["sha256"]}
            atomic_write_json(self.state_dir / "failed.json", sorted(digests))

    def rollback(self, *, principal: object | None = None) -> str:
        """Authorized rollback to the previous image, refused when it lies below the floor."""
        state = self.slots.state()
        previous = self.slots.manifest(state.previous) if state and state.previous else None
        extra = {"principal": principal} if principal is not None else {}
        if state is None or previous is None or state.previous is None:
            self._record(Stage.ROLLBACK, Outcome.FAILURE, reason="no-previous", **extra)
            raise SlotError("there is no previous image to roll back to", diagnostics="nothing to roll back")
        if not self.floor.admits(previous.security_version):
            self._record(
                Stage.ROLLBACK,
                Outcome.FAILURE,
                reason=RefusalReason.SECURITY_VERSION.value,
                version=previous.version,
                **extra,
            )
            raise UpdateRefusedError(
                f"rollback to {previous.version} refused: security version {previous.security_version} "
                f"is below the device floor {self.floor.value}",
                reason=RefusalReason.SECURITY_VERSION,
                diagnostics="install a newer release instead; the floor never goes down",
            )
        self.slots.activate_previous()
        self._record(Stage.ROLLBACK, Outcome.SUCCESS, slot=state.previous, version=previous.version, **extra)
        return state.previous

    # --- check / download / install ------------------------------------------------------------

    def _ngclient(self) -> Updater:
        updater = Updater(
            str(self.state_dir / "metadata"),
            self.metadata_url,
            target_base_url=self.targets_url,
            fetcher=self._fetcher,
            config=self._config,
            bootstrap=self.trusted_root,
        )
        if self._clock is not None:
            # ngclient takes "now" once, when its trusted set is built; an injected clock
            # replaces that reading (the attribute has been stable since tuf 1.0).
            updater._trusted_set.reference_time = self._clock()
        return updater

    def _consistent_snapshot(self) -> bool:
        root = json.loads((self.state_dir / "metadata" / "root.json").read_bytes())
        return bool(root["signed"].get("consistent_snapshot", False))

    def _installed(self) -> SlotManifest | None:
        """The running image's manifest; ``None`` in recovery, so the release is written again."""
        state = self.slots.state()
        if state is None or self.recovery is not None:
            return None
        return self.slots.manifest(state.active)

    def check(self) -> UpdateOffer | None:
        """Refresh TUF metadata and return the release to install, or None when up to date."""
        if not self.policy.enabled:
            raise self._refuse(
                Stage.CHECK,
                RefusalReason.DISABLED,
                "updates are disabled on this device",
                "enable them with DeviceUpdater.set_policy(enabled=True)",
            )
        with self._tuf_errors(Stage.CHECK):
            updater = self._ngclient()
            updater.refresh()
            channel = updater.get_targetinfo(channel_path(self.hardware_id))
            if channel is None:
                self._record(Stage.CHECK, Outcome.INFO, result="no release for this hardware id")
                return None
            image_path = channel_image_path(channel.path, channel.custom)
            target = updater.get_targetinfo(image_path)
            if target is None:
                raise self._refuse(
                    Stage.CHECK, RefusalReason.MALFORMED, f"channel points at unknown target {image_path!r}"
                )
            release = Release.from_custom(target.path, target.custom)
        self._admit(Stage.CHECK, release)
        if target.hashes.get("sha256") in self._failed_digests():
            self._record(
                Stage.CHECK, Outcome.INFO, result="release failed its trial before", version=release.version
            )
            return None
        installed = self._installed()
        if installed is not None and installed.hashes == target.hashes and installed.length == target.length:
            self._record(Stage.CHECK, Outcome.SUCCESS, result="up to date", version=installed.version)
            return None
        path = target.get_prefixed_paths()[0] if self._consistent_snapshot() else target.path
        offer = UpdateOffer(release=release, target=target, installed=installed, url=self.targets_url + path)
        self._record(
            Stage.OFFER,
            Outcome.SUCCESS,
            version=release.version,
            security_version=release.security_version,
            installed=installed.version if installed else None,
        )
        return offer

    def _admit(self, stage: Stage, release: Release) -> None:
        if self.hardware_id not in release.hardware_ids:
            raise self._refuse(
                stage,
                RefusalReason.HARDWARE,
                f"release {release.version} is built for {', '.join(release.hardware_ids) or 'no hardware'}, "
                f"not {self.hardware_id}",
                "the repository offers an image for other hardware; report it to the manufacturer",
            )
        if not self.floor.admits(release.security_version):
            raise self._refuse(
                stage,
                RefusalReason.SECURITY_VERSION,
                f"release {release.version} has security version {release.security_version}, "
                f"below this device's floor {self.floor.value}",
                "the device never installs an image older than its anti-rollback floor",
            )

    def _staging_path(self, target: TargetFile) -> Path:
        digest = target.hashes.get("sha256") or next(iter(target.hashes.values()))
        return self.state_dir / "downloads" / f"{digest}.part"

    def download(self, offer: UpdateOffer) -> StagedImage:
        """Fetch (or resume fetching) the offered image and verify it against the signed target."""
        staging = self._staging_path(offer.target)
        for stale in staging.parent.glob("*.part") if staging.parent.exists() else ():
            if stale != staging:
                stale.unlink()
        progress = self._progress
        with self._tuf_errors(Stage.DOWNLOAD):
            result = self._downloader.download(
                offer.url,
                staging,
                offer.target.length,
                progress=(lambda n: progress(Stage.DOWNLOAD, n)) if progress else None,
            )
        self._record(
            Stage.DOWNLOAD,
            Outcome.SUCCESS,
            version=offer.release.version,
            bytes=offer.target.length,
            resumed_from=result.resumed_from,
        )
        try:
            with staging.open("rb") as handle:
                offer.target.verify_length_and_hashes(handle)
        except tuf_exc.LengthOrHashMismatchError as exc:
            staging.unlink(missing_ok=True)
            raise self._refuse(
                Stage.VERIFY, RefusalReason.HASH, f"image {offer.target.path!r}: {exc}"
            ) from exc
        self._record(Stage.VERIFY, Outcome.SUCCESS, version=offer.release.version, target=offer.target.path)
        if self._progress:
            self._progress(Stage.VERIFY, offer.target.length)
        return StagedImage(staging, result.resumed_from)

    def install(self, offer: UpdateOffer, staged: StagedImage) -> InstallResult:
        """Write a verified image to the inactive slot, check it there, and switch to it on trial."""
        state = self.slots.state()
        if state is None:
            raise SlotError("the slot table is missing", diagnostics="provision a factory image first")
        if state.trial:
            raise self._refuse(
                Stage.INSTALL, RefusalReason.BUSY, "the previous update awaits boot confirmation"
            )
        self._admit(Stage.INSTALL, offer.release)  # the floor may have moved since check()
        slot = self.slots.other(state.active)
        target = offer.target
        manifest = SlotManifest(
            target_path=target.path,
            version=offer.release.version,
            security_version=offer.release.security_version,
            hardware_ids=offer.release.hardware_ids,
            length=target.length,
            hashes=dict(target.hashes),
        )
        progress = self._progress

        def verify(handle: IO[bytes]) -> None:
            target.verify_length_and_hashes(handle)

        try:
            with staged.path.open("rb") as source:
                self.slots.write_image(
                    slot,
                    source,
                    manifest,
                    verify=verify,
                    progress=(lambda n: progress(Stage.INSTALL, n)) if progress else None,
                )
        except tuf_exc.LengthOrHashMismatchError as exc:
            raise self._refuse(
                Stage.INSTALL, RefusalReason.HASH, f"slot {slot} read back wrong: {exc}"
            ) from exc
        self._record(Stage.INSTALL, Outcome.SUCCESS, slot=slot, version=offer.release.version)
        if self._progress:
            self._progress(Stage.INSTALL, target.length)
        self.slots.switch_to(slot)
        self._record(Stage.SWITCH, Outcome.SUCCESS, slot=slot, version=offer.release.version)
        if self._progress:
            self._progress(Stage.SWITCH, 0)
        staged.path.unlink(missing_ok=True)
        return InstallResult(slot=slot, release=offer.release, resumed_from=staged.resumed_from)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One update round at a time per state folder (the lock dies with its process)."""
        with (self.state_dir / ".lock").open("a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._refuse(
                    Stage.CHECK, RefusalReason.BUSY, "another update round is running"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def update(self, *, approve: bool = False) -> InstallResult | UpdateOffer | None:
        """One update round under the owner's policy.

        Returns None when up to date, the :class:`UpdateOffer` when the policy is notify-only and
        ``approve`` is False (nothing downloaded), else the :class:`InstallResult`.
        """
        with self._exclusive():
            return self._update(approve)

    def _update(self, approve: bool) -> InstallResult | UpdateOffer | None:
        offer = self.check()
        if offer is None:
            return None
        if self.policy.mode is UpdateMode.NOTIFY and not approve:
            self._record(
                Stage.OFFER, Outcome.INFO, version=offer.release.version, action="awaiting owner approval"
            )
            return offer
        staged = self.download(offer)
        return self.install(offer, staged)

"""The firmware image as checks see it: the read-only image view plus its shared facts.

Several checks ask the same questions of one image — which accounts exist, what starts at
boot, is there an SSH server and how is it configured, which packages are installed. Each such
question is one named, typed :func:`~securable.assess.facts._memo.fact` here, answered once per
image and shared by every check of the run, so the checks agree with each other and the image is
read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from securable.assess.facts._memo import fact
from securable.assess.facts.accounts import Account, read_accounts
from securable.assess.facts.binaries import COMPONENTS, BinaryComponent, BinaryHit, group_hits
from securable.assess.facts.boot import BootEntry, has_init_configuration, read_boot_entries
from securable.assess.facts.certificates import CERTIFICATES, Certificate
from securable.assess.facts.content import ContentMatcher, ContentResults, content_pass
from securable.assess.facts.elf import ELF_MATCHER, ElfBinary
from securable.assess.facts.image_io import children
from securable.assess.facts.kernel_config import KERNEL_CONFIG, KernelConfig
from securable.assess.facts.package_files import PackagedFile, read_packaged_files, unchanged_owner
from securable.assess.facts.secrets import SECRETS, SecretHit
from securable.assess.facts.ssh import SshServer, read_ssh_server
from securable.assess.model import ImageFile, ImageView

if TYPE_CHECKING:
    from securable.assess.sbom import Inventory

__all__ = ["MATCHERS", "FirmwareView"]

#: Every consumer of the shared byte pass; a fact that needs file contents adds its matcher here
#: and reads its results from ``FirmwareView.content``.
MATCHERS: tuple[ContentMatcher[object], ...] = (SECRETS, COMPONENTS, ELF_MATCHER, CERTIFICATES, KERNEL_CONFIG)


class FirmwareView:
    """An :class:`ImageView` (every method delegates to the image) with the image's facts.

    The engine wraps each firmware target in one view per run; checks receive the view.
    """

    def __init__(self, image: ImageView, extra_matchers: Sequence[ContentMatcher[object]] = ()) -> None:
        self.image = image
        self.ref: str = image.ref
        #: the byte pass's matchers: :data:`MATCHERS` plus what this run's caller needs besides
        #: the checks (e.g. the evidence bundle's file digests)
        self.matchers: tuple[ContentMatcher[object], ...] = (*MATCHERS, *extra_matchers)
        self._owners: dict[str, PackagedFile | None] = {}

    @classmethod
    def of(cls, image: ImageView | FirmwareView) -> FirmwareView:
        """``image`` itself when it is already a view, else a new view over it."""
        return image if isinstance(image, FirmwareView) else cls(image)

    # --- the image view ------------------------------------------------------------------------

    @property
    def vulndb(self) -> Path | None:
        """The ``--vulndb`` folder the image was opened with, if any."""
        value = getattr(self.image, "vulndb", None)
        return value if isinstance(value, Path) else None

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(getattr(self.image, "notes", ()) or ())

    def files(self) -> Iterable[ImageFile]:
        return self.image.files()

    def entry(self, path: str) -> ImageFile | None:
        return self.image.entry(path)

    def exists(self, path: str) -> bool:
        return self.image.exists(path)

    def read_bytes(self, path: str, limit: int = 1 << 20) -> bytes | None:
        return self.image.read_bytes(path, limit)

    def read_text(self, path: str, limit: int = 1 << 20) -> str | None:
        return self.image.read_text(path, limit)

    def glob(self, pattern: str) -> list[ImageFile]:
        return self.image.glob(pattern)

    def children(self, directory: str) -> list[ImageFile]:
        return children(self.image, directory)

    def iter_chunks(self, path: str, chunk_size: int = 1 << 20, limit: int | None = None) -> Iterator[bytes]:
        """The file in chunks (through the image's own chunked reader when it has one)."""
        reader = getattr(self.image, "iter_chunks", None)
        if callable(reader):
            yield from reader(path, chunk_size, limit)
            return
        data = self.image.read_bytes(path, limit if limit is not None else 1 << 30)
        if data:
            for start in range(0, len(data), chunk_size):
                yield data[start : start + chunk_size]

    # --- facts -----------------------------------------------------------------------------------

    @fact
    def accounts(self) -> list[Account] | None:
        """Password accounts from ``/etc/passwd`` and ``/etc/shadow``; None when the image has neither."""
        return read_accounts(self.image)

    @fact
    def boot_entries(self) -> list[BootEntry]:
        """Everything the image starts at boot: inittab, inetd, SysV/rc scripts, systemd, cron @reboot."""
        return read_boot_entries(self.image)

    @fact
    def has_init(self) -> bool:
        """True when the image has any init configuration (else 'nothing at boot' proves nothing)."""
        return has_init_configuration(self.image)

    @fact
    def ssh_server(self) -> SshServer | None:
        """The image's SSH servers (OpenSSH, dropbear): how each is started and configured; None if none."""
        return read_ssh_server(self.image, self.boot_entries)

    @fact
    def packages(self) -> Inventory:
        """The software inventory (dpkg, opkg, Python metadata, os-release); empty when none is kept."""
        from securable.assess.sbom import inventory  # cyclonedx is heavy: load it when asked

        return inventory(self.image)

    @fact
    def content(self) -> ContentResults:
        """The shared byte pass: every matcher in :attr:`matchers` over one read of each file."""
        return content_pass(self.image, self.matchers)

    @fact
    def binary_components(self) -> list[BinaryComponent]:
        """Components identified from the bytes of binaries (BusyBox, OpenSSL, the kernel, ...),
        one per component and version, from the shared byte pass (see :mod:`.binaries`)."""
        hits: list[BinaryHit] = self.content.of(COMPONENTS)
        return group_hits(hits)

    @fact
    def secret_hits(self) -> list[SecretHit]:
        """Every baked-in secret (private keys, tokens, literal passwords), from the shared byte pass."""
        return self.content.of(SECRETS)

    @fact
    def packaged_files(self) -> dict[str, PackagedFile]:
        """Files a package manager installed with a recorded checksum (dpkg, opkg conffiles, apk)."""
        return read_packaged_files(self.image)

    def unchanged_package(self, path: str) -> PackagedFile | None:
        """The package that installed ``path`` when the file still matches the package's recorded
        checksum (so what is in it is the upstream package's, not the device maker's); else None."""
        if path not in self._owners:
            self._owners[path] = unchanged_owner(self.image, self.packaged_files, path)
        return self._owners[path]

    @fact
    def binaries(self) -> list[ElfBinary]:
        """The hardening of every ELF executable and shared library, from the shared byte pass."""
        return self.content.of(ELF_MATCHER)

    @fact
    def certificates(self) -> list[Certificate]:
        """Every X.509 certificate in the image (PEM anywhere, DER by name), from the shared byte pass."""
        return self.content.of(CERTIFICATES)

    @fact
    def kernel_configs(self) -> list[KernelConfig]:
        """Kernel configurations kept in the image (``.config``, ``config-*``, built-in IKCONFIG)."""
        return self.content.of(KERNEL_CONFIG)

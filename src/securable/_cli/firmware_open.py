"""Open ``--firmware`` for the CLI: a progress bar while a vendor blob is extracted (on a terminal
only; nothing when stderr is piped), and one clear line when nothing inside could be seen."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from securable._cli.terminal_bar import terminal_bar
from securable.assess.targets import FirmwareImage
from securable.assess.targets.blob import BlobProgress


@contextlib.contextmanager
def open_firmware(path: Path, vulndb: Path | None) -> Iterator[FirmwareImage]:
    """:meth:`FirmwareImage.open` with the CLI's progress display; closes the image afterwards."""
    with terminal_bar("extract", path.name) as update:
        if update is None:
            image = FirmwareImage.open(path, vulndb=vulndb)
        else:

            def show(event: BlobProgress) -> None:
                written = f"{event.bytes_written / 1024**2:.1f} MiB written"
                update(completed=event.done, total=event.total, description=written)

            image = FirmwareImage.open(path, vulndb=vulndb, progress=show)
    with image:
        fmap = image.firmware_map
        if fmap is not None and not image.root_filesystems:
            sys.stderr.write(
                f"securable: firmware '{path}': no root filesystem found ({fmap.summary()}); "
                "the firmware requirements are inconclusive\n"
            )
        yield image

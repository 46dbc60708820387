"""Open ``--firmware`` for the CLI: a progress bar while a vendor blob is extracted (on a terminal
only; nothing when stderr is piped), and one clear line when nothing inside could be seen."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from securable.assess.targets import FirmwareImage
from securable.assess.targets.blob import BlobProgress


@contextlib.contextmanager
def open_firmware(path: Path, vulndb: Path | None) -> Iterator[FirmwareImage]:
    """:meth:`FirmwareImage.open` with the CLI's progress display; closes the image afterwards."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if console.is_terminal:
        with Progress(
            TextColumn("[bold]extract"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(path.name, total=None)

            def show(event: BlobProgress) -> None:
                written = f"{event.bytes_written / 1024**2:.1f} MiB written"
                bar.update(task, completed=event.done, total=event.total, description=written)

            image = FirmwareImage.open(path, vulndb=vulndb, progress=show)
    else:
        image = FirmwareImage.open(path, vulndb=vulndb)
    with image:
        fmap = image.firmware_map
        if fmap is not None and not image.root_filesystems:
            sys.stderr.write(
                f"securable: firmware '{path}': no root filesystem found ({fmap.summary()}); "
                "the firmware requirements are inconclusive\n"
            )
        yield image

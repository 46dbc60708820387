"""One transient progress bar on stderr for the CLI's long steps, shown only on a terminal.

Extraction of a vendor blob and the run of the checks both report progress; piped output (CI
logs, scripts) must stay free of bar redraws, so the bar exists only when stderr is a terminal
and callers fall back to plain lines or silence otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["terminal_bar"]


@contextlib.contextmanager
def terminal_bar(label: str, description: str = "") -> Iterator[Callable[..., None] | None]:
    """Yields ``update(total=, completed=, description=)`` for a rich bar, or None when stderr is
    not a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(**fields: Any) -> None:
            bar.update(task, **fields)

        yield update

"""Bounded reading helpers over an image view, shared by the facts and the firmware checks.

Everything here reads through the :class:`~securable.assess.model.ImageView` only, with bounded
reads, so a hostile image cannot make a check read outside its root or without end.
"""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.model import FileKind, ImageFile, ImageView

CONFIG_LIMIT = 256 * 1024  # a config file larger than this is read only up to here
MAX_LINE = 4096  # longer lines are cut before any regex sees them


def config_lines(image: ImageView, path: str, comment: str = "#") -> Iterator[tuple[int, str]]:
    """(line number, stripped line) of a text file, skipping blank and comment lines."""
    text = image.read_text(path, CONFIG_LIMIT)
    if text is None:
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw[:MAX_LINE].strip()
        if line and not line.startswith(comment):
            yield number, line


def children(image: ImageView, directory: str) -> list[ImageFile]:
    """Entries directly inside ``directory`` (following a link on the directory itself)."""
    lister = getattr(image, "children", None)
    if callable(lister):
        return list(lister(directory))
    entry = image.entry(directory)
    if entry is not None and entry.kind is FileKind.SYMLINK and entry.link:
        target = entry.link if entry.link.startswith("/") else directory.rsplit("/", 1)[0] + "/" + entry.link
        directory = target
    return sorted(image.glob(directory.rstrip("/") + "/*"), key=lambda e: e.path)


def is_regular(image: ImageView, path: str) -> bool:
    """True when ``path`` leads (through links inside the image) to a regular file."""
    return image.read_bytes(path, 0) is not None


def resolve_link(path: str, link: str) -> str:
    """The image path a symlink at ``path`` with target ``link`` names (lexically, inside the image)."""
    base = "" if link.startswith("/") else path.rsplit("/", 1)[0]
    parts: list[str] = []
    for part in f"{base}/{link}".split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def is_shell(program: str) -> bool:
    """True for a path or name of an interactive shell (``/bin/sh``, ``-/bin/ash``, ``bash``)."""
    name = program.lstrip("-").rsplit("/", 1)[-1]
    return name in {"sh", "ash", "bash", "dash", "zsh", "ksh", "mksh", "hush", "msh", "csh", "tcsh"}

"""Fixtures for the firmware checks: small root filesystems written into tmp dirs.

``DirImage`` is a test-only :class:`~securable.assess.model.ImageView` over a plain directory,
used by the unit tests of each check so that they do not depend on the real firmware target.
Integration tests open the same trees through ``securable.assess.targets.firmware`` when present.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from securable.assess.facts import FirmwareView
from securable.assess.model import FileKind, Finding, ImageFile, Verdict
from securable.assess.targets.firmware import _glob_regex

DEFAULT_LIMIT = 1 << 20


class DirImage:
    """A read-only view of ``root`` that resolves every link inside ``root`` (test seam)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ref = str(root)

    def _real(self, path: str, *, follow_last: bool = True, depth: int = 0) -> Path | None:
        if depth > 40:
            return None
        parts = [p for p in path.split("/") if p not in ("", ".")]
        current: list[str] = []
        for index, part in enumerate(parts):
            if part == "..":
                if current:
                    current.pop()
                continue
            candidate = self.root.joinpath(*current, part)
            last = index == len(parts) - 1
            if candidate.is_symlink() and (follow_last or not last):
                target = str(candidate.readlink())
                base = "/" + "/".join(current) if not target.startswith("/") else ""
                rest = "/".join(parts[index + 1 :])
                joined = f"{base}/{target}/{rest}" if rest else f"{base}/{target}"
                return self._real(joined, follow_last=follow_last, depth=depth + 1)
            current.append(part)
        return self.root.joinpath(*current)

    def _image_file(self, real: Path) -> ImageFile:
        st = real.lstat()
        if stat.S_ISLNK(st.st_mode):
            kind, link = FileKind.SYMLINK, str(real.readlink())
        elif stat.S_ISDIR(st.st_mode):
            kind, link = FileKind.DIRECTORY, None
        elif stat.S_ISREG(st.st_mode):
            kind, link = FileKind.FILE, None
        else:
            kind, link = FileKind.OTHER, None
        rel = "/" + real.relative_to(self.root).as_posix()
        return ImageFile(
            rel if rel != "/." else "/", kind, st.st_mode, st.st_size, st.st_uid, st.st_gid, link
        )

    def files(self) -> Iterator[ImageFile]:
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in sorted(dirnames) + sorted(filenames):
                yield self._image_file(Path(dirpath) / name)

    def entry(self, path: str) -> ImageFile | None:
        real = self._real(path, follow_last=False)
        if real is None or not (real.exists() or real.is_symlink()):
            return None
        return self._image_file(real)

    def exists(self, path: str) -> bool:
        real = self._real(path)
        return real is not None and real.exists()

    def read_bytes(self, path: str, limit: int = DEFAULT_LIMIT) -> bytes | None:
        real = self._real(path)
        if real is None or not real.is_file():
            return None
        with real.open("rb") as handle:
            return handle.read(limit)

    def read_text(self, path: str, limit: int = DEFAULT_LIMIT) -> str | None:
        data = self.read_bytes(path, limit)
        return None if data is None else data.decode("utf-8", errors="replace")

    def glob(self, pattern: str) -> list[ImageFile]:
        rx = _glob_regex(pattern)
        return [f for f in self.files() if rx.match(f.path)]


class RootFS:
    """Writes a small root filesystem: ``fs.write("/etc/passwd", "...")``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def write(self, image_path: str, content: str | bytes, mode: int | None = None) -> Path:
        target = self.path(image_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        else:
            target.write_bytes(content)
        if mode is not None:
            target.chmod(mode)
        return target

    def mkdir(self, image_path: str, mode: int | None = None) -> Path:
        target = self.path(image_path)
        target.mkdir(parents=True, exist_ok=True)
        if mode is not None:
            target.chmod(mode)
        return target

    def symlink(self, image_path: str, target: str) -> Path:
        link = self.path(image_path)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
        return link

    def image(self) -> FirmwareView:
        return FirmwareView(DirImage(self.root))


@pytest.fixture
def rootfs(tmp_path: Path) -> RootFS:
    return RootFS(tmp_path / "rootfs")


@pytest.fixture
def make_rootfs(tmp_path: Path) -> Callable[[str], RootFS]:
    def make(name: str) -> RootFS:
        return RootFS(tmp_path / name)

    return make


def verdicts(findings: list[Finding]) -> set[Verdict]:
    return {f.verdict for f in findings}


def failing(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.verdict is Verdict.FAIL]

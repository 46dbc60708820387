"""Folders a run cannot write into, for the ``--out`` tests; they hold also when tests run as root.

Root ignores mode bits, so a 0555 folder is only unwritable for other users; ``/proc`` refuses
new files to everyone (while ``os.access`` says it is writable), and nothing can be created
inside a regular file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

KINDS = ("proc", "under-a-file", "mode-0555")


def unwritable_folder(kind: str, tmp_path: Path) -> Path:
    if kind == "proc":
        return Path("/proc") / f"securable-test-{os.getpid()}" / "out"
    if kind == "under-a-file":
        (tmp_path / "a-file").write_text("x")
        return tmp_path / "a-file" / "out"
    if os.geteuid() == 0:
        pytest.skip("root ignores mode bits; the /proc and under-a-file cases cover root")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    return locked / "out"

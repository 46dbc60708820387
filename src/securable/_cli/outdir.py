"""Check an output folder before any work, so a run never fails at the end for want of a place.

An assessment can take minutes; finding out only when the reports are written that ``--out``
is on a read-only filesystem loses the whole run. :func:`check_output_folder` looks before
anything runs, without creating anything: it finds the folder (or the nearest existing parent
it would be created in) and creates and removes a probe file there. ``os.access`` alone is
not enough — it says yes to root on a folder with mode 0555 and to ``/proc``, where nothing can
be created.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from securable.errors import UsageError


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()  # unreachable for an absolute path; a relative one ends at '.'


def check_output_folder(path: Path, option: str) -> None:
    """Raise :class:`UsageError` (exit 2) unless ``path`` is, or can be created as, a writable folder."""
    fix = f"give {option} a folder you can write to (it is created if missing)"
    absolute = path.absolute()
    existing = _nearest_existing(absolute)
    if not existing.is_dir():
        where = "is a file" if existing == absolute else f"is inside '{existing}', which is a file"
        raise UsageError(f"{option}: '{path}' {where}", diagnostics=fix)
    problem = ""
    if not os.access(existing, os.W_OK | os.X_OK):
        problem = "permission denied"
    else:
        try:
            handle, probe = tempfile.mkstemp(prefix=".securable-probe-", dir=existing)
        except OSError as exc:
            problem = exc.strerror or str(exc)
        else:
            os.close(handle)
            Path(probe).unlink()
    if problem:
        where = "" if existing == absolute else f" (in '{existing}')"
        raise UsageError(f"{option}: cannot write to '{path}'{where}: {problem.lower()}", diagnostics=fix)

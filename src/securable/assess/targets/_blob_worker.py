"""The child process that runs unblob on one firmware blob (``python -m`` this module).

It runs apart from securable's own process for three reasons: the parent can stop it (and every
extractor it started) at once by killing its process group when a cap is reached or the user
presses Ctrl-C; unblob's Landlock sandbox restricts the *whole* process, which must not be ours;
and importing unblob switches :mod:`multiprocessing` to ``fork`` globally.

Protocol: arguments are ``INPUT EXTRACT_ROOT RECORDS_DIR MAX_DEPTH``. Every line on stdout is one
JSON object: first ``{"sandbox": bool}``, then one ``{"task": …}`` per unblob task result.
Extraction logs go to stderr (a file the parent keeps for diagnostics).

What this worker changes in unblob, inside this process only:

* **Metadata kept.** unblob's ``fix_permission`` widens every extracted file to at least 0644
  and every folder to 0775 (so a non-root user can read them), and ``fix_symlink`` rewrites
  absolute links as relative ones. Both are wrapped: before either touches a path, its mode,
  owner and link target as the extractor wrote them are appended to ``RECORDS_DIR`` — those are
  the facts the firmware checks read. The widening itself is skipped when running as root, who
  reads everything anyway.
* **Modes and owners kept.** ext2/3/4 and JFFS2 go through :mod:`._keep_metadata`, which puts
  back what ``debugfs rdump`` and jefferson lose (SUID bits, owners, folder modes).
* **Debian's extractors where they do the job.** Plain little-endian squashfs 4 is extracted
  with Debian's ``unsquashfs`` (unblob asks for ``sasquatch``, a patched build Debian does not
  ship; it stays the extractor for big-endian and version 3 images, which are then reported as
  missing an extractor). cpio archives are extracted with ``bsdtar -p`` (unblob's own cpio
  writer drops file modes), UBIFS with ``ubireader_extract_files -k`` (keep permissions).
* **Root filesystems are not mined further.** A folder that is a root filesystem (``/etc`` and
  ``/bin`` or ``/sbin``) is reported and not handed back to unblob: the assessment reads it as a
  filesystem, and the files inside it are not firmware containers to be carved.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

ROOT_MARKERS = ("bin", "sbin")


def looks_like_root(path: Path) -> bool:
    """A root filesystem has ``/etc`` and ``/bin`` or ``/sbin`` (folders or links, as merged /usr has)."""
    try:
        if not path.is_dir() or path.is_symlink():
            return False
        if not (path / "etc").is_dir() or (path / "etc").is_symlink():
            return False
        return any(os.path.lexists(path / name) for name in ROOT_MARKERS)
    except OSError:
        return False


def _record(records: Path, path: Path) -> None:
    try:
        st = os.lstat(path)
    except OSError:
        return
    link = None
    if stat.S_ISLNK(st.st_mode):
        try:
            link = os.readlink(path)  # noqa: PTH115 - str in, str out
        except OSError:
            link = None
    line = json.dumps(
        {
            "p": os.fsencode(path).decode("utf-8", "surrogateescape"),
            "m": st.st_mode,
            "u": st.st_uid,
            "g": st.st_gid,
            "l": link,
        },
        ensure_ascii=True,
    )
    # One file per process: unblob's pool forks workers, and appends from one process stay whole.
    with (records / f"{os.getpid()}.jsonl").open("a", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(line + "\n")


def _install_patches(records: Path) -> None:
    import unblob.extractor as extractor
    from unblob.extractors import Command
    from unblob.handlers.archive import cpio
    from unblob.handlers.filesystem import extfs, jffs2, squashfs, ubi

    original_permission = extractor.fix_permission
    original_symlink = extractor.fix_symlink
    as_root = os.geteuid() == 0

    def fix_permission(path: Path) -> None:
        _record(records, path)
        if not as_root:
            original_permission(path)

    def fix_symlink(path: Path, outdir: Path, task_result: Any) -> Path:
        _record(records, path)
        return original_symlink(path, outdir, task_result)

    extractor.fix_permission = fix_permission
    extractor.fix_symlink = fix_symlink

    squashfs.SquashFSv4LEHandler.EXTRACTOR = Command(  # type: ignore[assignment]
        "unsquashfs", "-no-xattrs", "-no-progress", "-f", "-d", "{outdir}", "{inpath}"
    )
    for handler in (
        cpio.BinaryHandler,
        cpio.PortableOldASCIIHandler,
        cpio.PortableASCIIHandler,
        cpio.PortableASCIIWithCRCHandler,
    ):
        bsdtar = Command("bsdtar", "-x", "-p", "-f", "{inpath}", "-C", "{outdir}")
        # The handler finds chunks with its extractor's parser: keep it on the replacement.
        bsdtar.PARSER = handler.EXTRACTOR.PARSER  # type: ignore[attr-defined]
        handler.EXTRACTOR = bsdtar  # type: ignore[assignment]
    keep = [sys.executable, "-m", "securable.assess.targets._keep_metadata"]
    ext = Command(*keep, "ext", "{inpath}", "{outdir}")
    extfs.EXTHandler.EXTRACTOR = ext  # type: ignore[assignment]
    for jffs2_handler in (jffs2.JFFS2OldHandler, jffs2.JFFS2NewHandler):
        jffs2_handler.EXTRACTOR = Command(*keep, "jffs2", "{inpath}", "{outdir}")
    ubi.UBIFSHandler.EXTRACTOR = Command("ubireader_extract_files", "{inpath}", "-k", "-w", "-o", "{outdir}")


def _report_json(report: Any) -> dict[str, Any]:
    try:
        data: dict[str, Any] = report.model_dump(mode="json", serialize_as_any=True)
    except Exception:  # an exception object inside an error report does not serialise
        data = {"text": str(report)}
    data["type"] = type(report).__name__
    return data


class _Reporter:
    """unblob's progress hook: prints each task result, and keeps root filesystems to ourselves."""

    def __init__(self) -> None:
        self.out = sys.stdout

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None

    def update(self, result: Any) -> None:
        roots = [t for t in result.subtasks if looks_like_root(Path(t.path))]
        # unblob submits result.subtasks after this hook: what is removed here is not extracted further.
        result.subtasks = [t for t in result.subtasks if t not in roots]
        line = {
            "task": {
                "path": str(result.task.path),
                "depth": result.task.depth,
                "blob_id": result.task.blob_id,
                "reports": [_report_json(r) for r in result.reports],
                "subtasks": [
                    {"path": str(t.path), "depth": t.depth, "blob_id": t.blob_id} for t in result.subtasks
                ],
                "roots": [{"path": str(t.path), "blob_id": t.blob_id} for t in roots],
            }
        }
        self.out.write(json.dumps(line) + "\n")
        self.out.flush()


def main(argv: list[str]) -> int:
    source, extract_root, records, max_depth = Path(argv[0]), Path(argv[1]), Path(argv[2]), int(argv[3])
    # The extractors unblob runs from PATH (jefferson, ubireader_*) live beside this interpreter.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    from unblob.logging import configure_logger
    from unblob.processing import ExtractionConfig, process_file
    from unblob.sandbox import AccessFS, Sandbox, SandboxError, restrict_access

    log_path = extract_root.parent / "unblob.log"
    configure_logger(0, extract_root, log_path)
    _install_patches(records)
    config = ExtractionConfig(
        extract_root=extract_root,
        randomness_depth=max_depth,
        max_depth=max_depth,
        process_num=max(1, min(2, os.cpu_count() or 1)),
        progress_reporter=_Reporter,
        verbose=0,
    )
    sandbox = Sandbox(config, log_path, None, extra_passthrough=[AccessFS.read_write(records)])
    try:
        restrict_access(*sandbox.passthrough)
        sandboxed = True
    except SandboxError:
        sandboxed = False
    sys.stdout.write(json.dumps({"sandbox": sandboxed}) + "\n")
    sys.stdout.flush()
    process_file(config, source)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

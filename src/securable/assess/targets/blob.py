"""Open a vendor firmware blob with unblob, under caps, into a map of chunks and root filesystems.

A vendor ``.bin`` is a bootloader header, a kernel and one or more filesystems, sometimes
wrapped in archives or containers. :func:`extract_blob` runs unblob (in a child process, see
:mod:`._blob_worker`) into a private folder and returns a :class:`FirmwareMap`: every chunk unblob
recognised with its offset, size and format and whether it was opened, the unknown regions
between chunks with their entropy, and the extracted folders that are root filesystems.

Confinement. Extraction writes only below the private folder (unblob's Landlock sandbox where
the kernel offers it, reported as ``sandboxed``). While it runs, the folder is measured: more
bytes on disk than :attr:`UnpackLimits.blob_bytes` allows (a multiple of the blob's size), more
entries than ``max_entries``, or longer than ``max_seconds`` stops the whole process group and
is recorded in :attr:`FirmwareMap.stopped`; nesting deeper than ``max_depth`` is not opened and
is recorded in :attr:`FirmwareMap.too_deep`. Ctrl-C stops it the same way; the caller removes the
folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from securable.assess.targets._unpack import ENV_VARS, UnpackLimits, size_text
from securable.errors import FirmwareImageError

__all__ = [
    "HIGH_ENTROPY_PERCENT",
    "BlobChunk",
    "BlobProgress",
    "FirmwareMap",
    "Metadata",
    "RootFilesystem",
    "UnknownRegion",
    "extract_blob",
]

#: Unknown data at or above this Shannon entropy (percent of 8 bits per byte) looks encrypted or
#: compressed in a way no handler recognised.
HIGH_ENTROPY_PERCENT = 90.0
#: Smaller unknown regions (headers, trailers, alignment) are listed but not reported as findings.
MIN_REPORTED_REGION = 4096
_POLL = 0.2
# Magic at the start of a region that no handler accepted: a damaged or truncated filesystem.
_MAGIC = {
    b"hsqs": "squashfs",
    b"sqsh": "squashfs",
    b"UBI#": "UBI",
    b"\x85\x19": "JFFS2",
    b"\x19\x85": "JFFS2",
}


@dataclass(frozen=True)
class BlobChunk:
    """One chunk unblob recognised: where (``inside`` = the file it was found in, "" = the image)."""

    inside: str
    offset: int
    size: int
    format: str
    extracted: bool
    problem: str | None = None  # why it was not (fully) opened
    missing: tuple[str, ...] = ()  # extractors that are not installed

    @property
    def name(self) -> str:
        where = f"{self.inside}:" if self.inside else ""
        return f"{where}{self.format}@0x{self.offset:x}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "inside": self.inside,
            "offset": self.offset,
            "size": self.size,
            "format": self.format,
            "extracted": self.extracted,
        }
        if self.problem:
            out["problem"] = self.problem
        if self.missing:
            out["missing_extractors"] = list(self.missing)
        return out


@dataclass(frozen=True)
class UnknownRegion:
    """Bytes between chunks that no handler recognised, with their mean Shannon entropy (percent)."""

    inside: str
    offset: int
    size: int
    entropy: float | None
    looks_like: str | None = None  # starts with a filesystem's magic, yet no handler accepted it

    @property
    def suspicious(self) -> bool:
        """Damaged (a filesystem's magic nothing could read), or large and random-looking:
        encrypted or compressed in a way nothing here can open."""
        return self.looks_like is not None or (
            self.size >= MIN_REPORTED_REGION
            and self.entropy is not None
            and self.entropy >= HIGH_ENTROPY_PERCENT
        )

    @property
    def name(self) -> str:
        where = f"{self.inside}:" if self.inside else ""
        return f"{where}0x{self.offset:x}-0x{self.offset + self.size:x}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"inside": self.inside, "offset": self.offset, "size": self.size}
        if self.looks_like:
            out["looks_like"] = self.looks_like
        if self.entropy is not None:
            out["entropy_percent"] = round(self.entropy, 2)
        return out


@dataclass(frozen=True)
class RootFilesystem:
    """An extracted folder with ``/etc`` and ``/bin`` or ``/sbin``: assessed as a root filesystem."""

    name: str  # how findings name it, e.g. "squashfs_v4_le@0x40"
    path: Path  # the folder on disk, inside the private folder
    format: str
    offset: int


@dataclass(frozen=True)
class Metadata:
    """A path's mode, owner and link target as the extractor wrote them (before unblob's fix-ups)."""

    mode: int
    uid: int
    gid: int
    link: str | None


@dataclass
class FirmwareMap:
    """What a blob holds, as far as it could be opened."""

    image: str
    size: int
    chunks: list[BlobChunk] = field(default_factory=list)
    regions: list[UnknownRegion] = field(default_factory=list)
    roots: list[RootFilesystem] = field(default_factory=list)
    stopped: str | None = None  # a cap stopped extraction: which, in words
    too_deep: list[str] = field(default_factory=list)  # files not opened: nesting cap
    notes: list[str] = field(default_factory=list)
    sandboxed: bool = False
    seconds: float = 0.0
    metadata: dict[str, Metadata] = field(default_factory=dict)

    @property
    def recognised(self) -> bool:
        return bool(self.chunks)

    def to_json(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "size": self.size,
            "chunks": [c.to_json() for c in self.chunks],
            "unknown_regions": [r.to_json() for r in self.regions],
            "root_filesystems": [
                {"name": r.name, "format": r.format, "offset": r.offset} for r in self.roots
            ],
            **({"stopped": self.stopped} if self.stopped else {}),
            **({"too_deep": list(self.too_deep)} if self.too_deep else {}),
            "sandboxed": self.sandboxed,
            "extraction_seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """One line for the report's target notes."""
        if not self.chunks:
            return f"nothing recognised in {size_text(self.size)} of data: no known format was found"
        opened = sum(c.extracted for c in self.chunks)
        roots = ", ".join(r.name for r in self.roots) or "none found"
        return f"{len(self.chunks)} chunk(s), {opened} opened; root filesystems: {roots}"


@dataclass(frozen=True)
class BlobProgress:
    """Sent while a blob is extracted: tasks done, tasks known so far, bytes written."""

    done: int
    total: int
    bytes_written: int


def _measure(root: Path) -> tuple[int, int]:
    """Bytes allocated on disk (sparse holes cost nothing) and entries below ``root``."""
    used = 0
    count = 0
    stack = [os.fspath(root)]
    while stack:
        folder = stack.pop()
        try:
            it = os.scandir(folder)
        except OSError:
            continue
        with it:
            for entry in it:
                count += 1
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                used += st.st_blocks * 512
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return used, count


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Stop the worker and every extractor it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _problem(reports: list[dict[str, Any]]) -> tuple[str | None, tuple[str, ...]]:
    for report in reports:
        kind = report.get("type") or report.get("__typename__", "")
        if kind == "ExtractorDependencyNotFoundReport":
            deps = tuple(str(d) for d in report.get("dependencies", []))
            return f"extractor not installed: {', '.join(deps)}", deps
        if kind == "ExtractCommandFailedReport":
            stderr = str(report.get("stderr", "")).strip().splitlines()[-1:] or [""]
            return f"extractor failed (exit {report.get('exit_code')}): {stderr[0][:200]}".rstrip(": "), ()
        if kind == "ExtractorTimedOut":
            return "extractor timed out", ()
        if kind in ("UnknownError", "OutputDirectoryExistsReport"):
            return f"extraction error: {str(report.get('exception') or report.get('text') or kind)[:200]}", ()
    return None, ()


def _looks_like(path: Path, offset: int) -> str | None:
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            head = fh.read(4)
    except OSError:
        return None
    return next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)


class _Collector:
    """Turns the worker's task lines into a :class:`FirmwareMap`."""

    def __init__(self, source: Path, extract_root: Path, fmap: FirmwareMap, max_depth: int) -> None:
        self.source = source
        self.extract_root = extract_root
        self.fmap = fmap
        self.max_depth = max_depth
        self.done = 0
        self.total = 1
        self.opened: set[str] = set()  # chunk ids whose extraction left a folder
        self.pending: list[tuple[str, dict[str, Any], str]] = []  # (chunk id, report, inside)
        self.root_dirs: list[tuple[str, str]] = []  # (chunk id, path)

    def inside(self, path: str) -> str:
        p = Path(path)
        if p == self.source:
            return ""
        with contextlib.suppress(ValueError):
            return str(p.relative_to(self.extract_root))
        return str(p)

    def add(self, line: dict[str, Any]) -> None:
        if "sandbox" in line:
            self.fmap.sandboxed = bool(line["sandbox"])
            return
        task = line.get("task")
        if not isinstance(task, dict):
            return
        self.done += 1
        subtasks = task.get("subtasks", [])
        self.total += len(subtasks)
        inside = self.inside(str(task.get("path", "")))
        for sub in subtasks:
            self.opened.add(str(sub.get("blob_id", "")))
        for root in task.get("roots", []):
            self.opened.add(str(root.get("blob_id", "")))
            self.root_dirs.append((str(root.get("blob_id", "")), str(root.get("path", ""))))
        reports = task.get("reports", [])
        stat_report: dict[str, Any] = next((r for r in reports if r.get("type") == "StatReport"), {})
        if int(task.get("depth", 0)) >= self.max_depth and (
            stat_report.get("is_dir") or (stat_report.get("is_file") and int(stat_report.get("size", 0)) > 0)
        ):
            self.fmap.too_deep.append(inside)
        for report in reports:
            kind = report.get("type")
            if kind == "ChunkReport":
                self.pending.append((str(report.get("id", "")), report, inside))
            elif kind == "UnknownChunkReport":
                randomness = report.get("randomness") or {}
                shannon = (randomness.get("shannon") or {}).get("mean")
                start = int(report.get("start_offset", 0))
                self.fmap.regions.append(
                    UnknownRegion(
                        inside,
                        start,
                        int(report.get("size", 0)),
                        float(shannon) if shannon is not None else None,
                        _looks_like(Path(str(task.get("path", ""))), start),
                    )
                )
            elif kind == "RandomnessReport" and inside == "":
                # The whole image held no chunk at all: it is one unknown region.
                shannon = (report.get("shannon") or {}).get("mean")
                self.fmap.regions.append(
                    UnknownRegion("", 0, self.fmap.size, float(shannon) if shannon is not None else None)
                )
            elif kind == "MaliciousSymlinkRemoved":
                self.fmap.notes.append(
                    f"link removed while extracting (it led outside the extracted folder): "
                    f"{self.inside(str(report.get('link', '')))!r} -> {report.get('target')!r}"
                )
            elif kind in ("PathTraversalProblem", "LinkExtractionProblem", "SpecialFileExtractionProblem"):
                self.fmap.notes.append(f"{report.get('problem', kind)} ({report.get('resolution', '')})")

    def finish(self) -> None:
        by_id: dict[str, BlobChunk] = {}
        for chunk_id, report, inside in self.pending:
            problem, missing = _problem(report.get("extraction_reports", []))
            if report.get("is_encrypted"):
                problem = problem or "encrypted"
            chunk = BlobChunk(
                inside=inside,
                offset=int(report.get("start_offset", 0)),
                size=int(report.get("size", 0)),
                format=str(report.get("handler_name", "unknown")),
                extracted=chunk_id in self.opened,
                problem=problem,
                missing=missing,
            )
            by_id[chunk_id] = chunk
            self.fmap.chunks.append(chunk)
        self.fmap.chunks.sort(key=lambda c: (c.inside, c.offset))
        self.fmap.regions.sort(key=lambda r: (r.inside, r.offset))
        names: set[str] = set()
        for chunk_id, path in self.root_dirs:
            found = by_id.get(chunk_id)
            folder = Path(path)
            name = found.name if found is not None else self.inside(path)
            fmt = found.format if found is not None else "folder"
            offset = found.offset if found is not None else 0
            if found is not None:
                extract_dir = next(
                    (p for p in (folder, *folder.parents) if p.name.endswith("_extract")), folder
                )
                below = folder.relative_to(extract_dir) if folder != extract_dir else None
                if below is not None and str(below) != ".":
                    name = f"{name}/{below}"
            unique, n = name, 1
            while unique in names:
                n += 1
                unique = f"{name}#{n}"
            names.add(unique)
            self.fmap.roots.append(RootFilesystem(unique, folder, fmt, offset))
        self.fmap.roots.sort(key=lambda r: r.name)


def _read_metadata(records: Path) -> dict[str, Metadata]:
    out: dict[str, Metadata] = {}
    for file in sorted(records.glob("*.jsonl")):
        with file.open(encoding="utf-8", errors="surrogateescape") as fh:
            for line in fh:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                # The first record of a path is what the extractor wrote; later ones follow fix-ups.
                out.setdefault(
                    str(item["p"]), Metadata(int(item["m"]), int(item["u"]), int(item["g"]), item.get("l"))
                )
    return out


def _lines(stream: Any, sink: list[dict[str, Any]], lock: threading.Lock) -> None:
    for raw in stream:
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        with lock:
            sink.append(item)


def _iter_new(sink: list[dict[str, Any]], lock: threading.Lock, seen: int) -> Iterator[dict[str, Any]]:
    with lock:
        fresh = sink[seen:]
    yield from fresh


def extract_blob(
    source: Path,
    workdir: Path,
    limits: UnpackLimits,
    progress: Callable[[BlobProgress], None] | None = None,
) -> FirmwareMap:
    """Run unblob on ``source`` into ``workdir`` (private, removed by the caller) under ``limits``."""
    size = source.stat().st_size
    fmap = FirmwareMap(image=str(source), size=size)
    extract_root = workdir / "extract"
    records = workdir / "records"
    extract_root.mkdir(mode=0o700)
    records.mkdir(mode=0o700)
    byte_cap = limits.blob_bytes(size)
    started = time.monotonic()
    log = (workdir / "worker.log").open("wb")
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "securable.assess.targets._blob_worker",
                str(source.resolve()),
                str(extract_root),
                str(records),
                str(limits.max_depth),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=workdir,
            start_new_session=True,  # its own process group: one kill stops every extractor
        )
    except OSError as exc:
        log.close()
        raise FirmwareImageError(
            f"cannot start firmware extraction for '{source}' ({exc.strerror})",
            diagnostics="check that securable is installed with its `assess` extra (unblob)",
        ) from None
    collector = _Collector(source.resolve(), extract_root.resolve(), fmap, limits.max_depth)
    sink: list[dict[str, Any]] = []
    lock = threading.Lock()
    assert proc.stdout is not None
    reader = threading.Thread(target=_lines, args=(proc.stdout, sink, lock), daemon=True)
    reader.start()
    seen = 0
    interval = _POLL
    try:
        while True:
            finished = proc.poll() is not None
            for item in _iter_new(sink, lock, seen):
                seen += 1
                collector.add(item)
            measured_at = time.monotonic()
            used, entries = _measure(extract_root)
            cost = time.monotonic() - measured_at
            interval = max(_POLL, cost * 5)  # measuring a big tree must not be the main cost
            if progress is not None:
                progress(BlobProgress(collector.done, collector.total, used))
            reason = None
            if used > byte_cap:
                reason = (
                    f"extraction wrote more than {size_text(byte_cap)} ({limits.expansion}× the image, at "
                    f"least {size_text(limits.min_blob_bytes)}; caps UnpackLimits.expansion and "
                    f"min_blob_bytes, environment variables {ENV_VARS['expansion']} and "
                    f"{ENV_VARS['min_blob_bytes']})"
                )
            elif entries > limits.max_entries:
                reason = (
                    f"extraction created more than {limits.max_entries} files "
                    f"(cap UnpackLimits.max_entries, environment variable {ENV_VARS['max_entries']})"
                )
            elif not finished and time.monotonic() - started > limits.max_seconds:
                reason = (
                    f"extraction took longer than {limits.max_seconds:g} s "
                    f"(cap UnpackLimits.max_seconds, environment variable {ENV_VARS['max_seconds']})"
                )
            if reason is not None:  # also when it finished: what it wrote is past the cap all the same
                _kill(proc)
                fmap.stopped = reason
                break
            if finished:
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=interval)
    except BaseException:  # Ctrl-C or a progress callback that gave up: stop everything it started
        _kill(proc)
        reader.join(timeout=10)
        proc.stdout.close()
        raise
    finally:
        log.close()
    reader.join(timeout=10)
    proc.stdout.close()
    for item in _iter_new(sink, lock, seen):
        collector.add(item)
    if fmap.stopped is None and proc.returncode != 0:
        tail = (workdir / "worker.log").read_bytes()[-2000:].decode("utf-8", "replace").strip().splitlines()
        raise FirmwareImageError(
            f"firmware extraction of '{source}' failed (exit {proc.returncode}): "
            f"{tail[-1] if tail else 'no message'}",
            diagnostics="extract the root filesystem yourself and pass the folder with --firmware DIR",
        )
    collector.finish()
    if fmap.stopped is not None:
        fmap.roots = []  # a half-extracted tree is not a root filesystem to judge
    fmap.metadata = _read_metadata(records)
    fmap.seconds = time.monotonic() - started
    return fmap

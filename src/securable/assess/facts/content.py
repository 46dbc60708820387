"""The shared byte pass: every content matcher of a run sees each file of the image from one read.

Secrets, component identification, certificates and binary hardening all need the bytes of many
files. Reading the image once per consumer multiplies the cost of the slowest part of a firmware
assessment by the number of consumers; here each regular file is read **once**, up to the
largest limit any interested matcher asked for, and handed to every matcher that wants it.

A matcher decides from the index entry alone (path, size, mode) whether it wants a file, so files
nobody wants are never opened. Results are kept per matcher and read back by the view's facts
(``FirmwareView.content.of(matcher)``), typed by the matcher's own result type.

Parallelism is by threads: the costly parts of a file's turn — the ``read`` system call, the
secret scan's Hyperscan prefilter, ``hashlib`` — release the GIL, so two threads keep two cores
busy. Forked worker processes were measured against them on a real Debian tree
(``benchmarks/bench_content_pass.py``) and were slower: pool start-up and pickling every result
back cost more than the GIL-held Python parts they would parallelise. A matcher should therefore
do its heavy lifting in C code that releases the GIL (Hyperscan, ``hashlib`` on large buffers) and
keep GIL-holding work (``bytes.find``, ``re``) to small windows or to the few files that need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from securable.assess.model import FileKind, ImageFile, ImageView

__all__ = ["ContentMatcher", "ContentResults", "content_pass", "scannable"]

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

SKIP_PREFIXES = ("/proc/", "/sys/", "/dev/")
_BATCH = 64  # files per worker task: large enough to amortise scheduling, small enough to balance
_BATCH_BYTES = 8 * 1024 * 1024  # ... and at most about this many bytes, so a big file is a task alone


class ContentMatcher(Protocol[R_co]):
    """One consumer of the byte pass.

    ``name`` is unique per run; ``limit`` is the most bytes of a file it ever needs (the pass reads
    the maximum over the matchers that want a file, and gives each matcher at most its own
    ``limit``). ``wants`` must be cheap and must not read; ``scan`` must not keep ``data``.
    """

    @property
    def name(self) -> str: ...

    @property
    def limit(self) -> int: ...

    def wants(self, entry: ImageFile) -> bool: ...

    def scan(self, entry: ImageFile, data: bytes) -> Iterable[R_co]: ...


@dataclass
class ContentResults:
    """What each matcher found, by matcher name, plus how much the pass read."""

    by_matcher: dict[str, list[object]] = field(default_factory=dict)
    files_read: int = 0
    bytes_read: int = 0

    def of(self, matcher: ContentMatcher[R]) -> list[R]:
        """The results of ``matcher`` (empty when it found nothing or did not take part)."""
        return self.by_matcher.get(matcher.name, [])  # type: ignore[return-value]


def scannable(entries: Iterable[ImageFile]) -> list[ImageFile]:
    """Non-empty regular files outside the pseudo-filesystem mount points."""
    return [
        entry
        for entry in entries
        if entry.kind is FileKind.FILE and entry.size > 0 and not entry.path.startswith(SKIP_PREFIXES)
    ]


def batches(entries: Sequence[ImageFile]) -> list[list[ImageFile]]:
    """Consecutive runs of files of at most :data:`_BATCH` files and about :data:`_BATCH_BYTES`."""
    out: list[list[ImageFile]] = []
    current: list[ImageFile] = []
    size = 0
    for entry in entries:
        if current and (len(current) >= _BATCH or size + entry.size > _BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(entry)
        size += entry.size
    if current:
        out.append(current)
    return out


def _scan_batch(
    image: ImageView, batch: Sequence[ImageFile], matchers: Sequence[ContentMatcher[object]]
) -> tuple[dict[str, list[object]], int, int]:
    found: dict[str, list[object]] = {}
    files = total = 0
    for entry in batch:
        interested = [m for m in matchers if m.wants(entry)]
        if not interested:
            continue
        # the index knows the size: asking for exactly that reads small files in one system call
        data = image.read_bytes(entry.path, min(entry.size, max(m.limit for m in interested)))
        if not data:
            continue
        files += 1
        total += len(data)
        for matcher in interested:
            view = data if len(data) <= matcher.limit else data[: matcher.limit]
            hits = list(matcher.scan(entry, view))
            if hits:
                found.setdefault(matcher.name, []).extend(hits)
    return found, files, total


def content_pass(
    image: ImageView, matchers: Sequence[ContentMatcher[object]], *, workers: int = 2
) -> ContentResults:
    """Run every matcher over the image's files in one read per file.

    The largest batches start first, so no thread is left alone with a big file at the end;
    results are merged back in the image's file order, so reports are stable from run to run
    whatever the thread scheduling.
    """
    names = [m.name for m in matchers]
    if len(set(names)) != len(names):
        raise ValueError(f"content matcher names must be unique, got {names}")
    work = batches(scannable(image.files()))
    largest_first = sorted(range(len(work)), key=lambda i: -sum(e.size for e in work[i]))
    results = ContentResults()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="content-pass") as pool:
        futures = {i: pool.submit(_scan_batch, image, work[i], matchers) for i in largest_first}
        for index in range(len(work)):
            found, files, total = futures[index].result()
            results.files_read += files
            results.bytes_read += total
            for name, hits in found.items():
                results.by_matcher.setdefault(name, []).extend(hits)
    return results

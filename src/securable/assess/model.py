"""The assessment vocabulary shared by targets, checks, the engine and the reports.

A *check* looks at one *target* and returns *findings*; each finding has a *verdict* and cites
the requirement IDs it bears on. The engine folds findings into one verdict per requirement.
These types are the contract between those parts; they hold no logic of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


class Verdict(StrEnum):
    """A finding's verdict. ``NOT_ASSESSED`` exists only at requirement level: no check touched it."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "not_applicable"
    MANUAL = "manual"  # a person must review the evidence
    ERROR = "error"  # the check itself crashed or timed out
    NOT_ASSESSED = "not_assessed"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class TargetKind(StrEnum):
    FIRMWARE = "firmware"
    HOST = "host"
    DECLARATION = "declaration"
    DOCUMENTS = "documents"  # what the declaration's documentation entries say
    APP = "app"  # the companion app's package, read statically
    TRAFFIC = "traffic"  # what a component was seen connecting to (securable.assess.observe)
    WEB = "web"  # the manufacturer's web presence or the product's HTTP(S) backend, by base URL


@dataclass(frozen=True)
class Location:
    """Where a finding was observed: a path inside a firmware image, or a host/port/service."""

    path: str | None = None
    line: int | None = None
    host: str | None = None
    port: int | None = None
    service: str | None = None
    field: str | None = None  # a declaration field, e.g. "support.end"
    filesystem: str | None = None  # which root filesystem of a vendor blob, e.g. "squashfs_v4_le@0x40"
    offset: int | None = None  # a byte offset in the blob (chunks and unknown regions)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Finding:
    """One observation by one check. ``evidence`` must be JSON-serialisable."""

    check: str
    verdict: Verdict
    message: str
    requirements: tuple[str, ...]
    severity: Severity = Severity.INFO
    location: Location | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    component: str | None = None  # the product component it is about (product.yaml components)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "verdict": self.verdict.value,
            "severity": self.severity.value,
            "requirements": list(self.requirements),
            "message": self.message,
            "evidence": dict(self.evidence),
        }
        if self.location is not None:
            out["location"] = self.location.to_json()
        if self.component is not None:
            out["component"] = self.component
        return out


class FileKind(StrEnum):
    FILE = "file"
    DIRECTORY = "dir"
    SYMLINK = "symlink"
    OTHER = "other"  # device node, FIFO, socket: indexed, never read


@dataclass(frozen=True)
class ImageFile:
    """One entry of a firmware image's index. ``path`` is absolute inside the image ("/etc/shadow")."""

    path: str
    kind: FileKind
    mode: int  # full st_mode bits (permission + setuid/setgid/sticky)
    size: int
    uid: int = 0
    gid: int = 0
    link: str | None = None  # symlink target as stored, for FileKind.SYMLINK


@runtime_checkable
class ImageView(Protocol):
    """Read-only view of an unpacked firmware image. Every path is resolved *inside* the image
    root (links that escape are clamped to the root), device nodes/FIFOs/sockets are never
    opened, and reads are bounded."""

    ref: str  # what the user gave (path to the directory or archive)

    def files(self) -> Iterable[ImageFile]: ...

    def entry(self, path: str) -> ImageFile | None: ...

    def exists(self, path: str) -> bool: ...

    def read_bytes(self, path: str, limit: int = ...) -> bytes | None: ...

    def read_text(self, path: str, limit: int = ...) -> str | None: ...

    def glob(self, pattern: str) -> list[ImageFile]: ...


@dataclass(frozen=True)
class AssessmentContext:
    """What the engine tells every check of one run besides its own target.

    The engine sets it as ``check.context`` before calling :meth:`Check.run` (each run gets
    fresh check instances). ``targets`` holds every target of the run by kind, so that a
    cross-check (declaration against firmware, say) can reach the other targets; ``vulndb`` is
    the ``--vulndb`` folder of OSV records (also on the firmware target as ``.vulndb``).
    """

    profile: str
    requirement_ids: tuple[str, ...] = ()  # the chosen profile's assessable requirement IDs
    vulndb: Path | None = None
    targets: Mapping[TargetKind, Any] = field(default_factory=dict)
    catalog: Any = None  # securable.catalog.Catalog; typed loosely to keep this module import-free

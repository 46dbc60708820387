"""Components identified from the bytes of binaries: BusyBox, OpenSSL, dropbear, the kernel, ...

Most IoT firmware has no package database; its components are copied in by a build system. What
they carry are their own version strings (``BusyBox v1.35.0``, ``OpenSSL 3.0.19 27 Jan 2026``,
``SSH-2.0-dropbear_2022.83``). Each component is described by one data file,
``assess/data/components/<name>.yaml`` (schema: ``assess/data/component.schema.json``):

* ``require`` — fixed strings that must all be present (the cheap ``bytes.find`` prefilter; a file
  without them costs one C-speed search per string and nothing else);
* ``exclude`` — fixed strings that rule a match out (a look-alike, a client that only *mentions*
  the component);
* ``version`` — rules tried in order: a fixed ``marker`` and a ``regex`` with one group, run only
  over a bounded window around each marker hit; or ``nearby``, a NUL-delimited string of the
  given shape next to the marker (daemons that print ``"hostapd v%s"`` keep the version in a
  string of its own beside the format);
* ``file_version`` — a regex on the file name, for libraries whose name is their only version
  (``libuClibc-1.0.31.so``); ``version_required`` — without a version the strings prove nothing
  (a ``Linux version %s`` format in a user-space tool is not a kernel);
* ``cpe`` (exact ``vendor:product`` names), ``purl``, ``packages`` (the package names under
  which a package database lists the same component, so it appears once in the SBOM), ``files``
  (usual file names).

Which markers a file holds is found for all components at once by one Aho-Corasick pass
(``ahocorasick-rs``); the version regexes then run only around markers that are there.

Strings come from the shared byte pass (:mod:`.content`), never from running ``strings``. ELF
files are searched for every component; other files only for the components that live outside
ELF (``raw: true``: kernel images, boot loaders) and only when their name is one those
components usually have. No regex has nested quantifiers and every window is bounded, so a
hostile file cannot make a search backtrack for long.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

import ahocorasick_rs
import yaml

from securable.assess.model import ImageFile

__all__ = [
    "COMPONENTS",
    "BinaryComponent",
    "BinaryHit",
    "ComponentMatcher",
    "Signature",
    "group_hits",
    "load_signatures",
]

SCAN_LIMIT = 32 * 1024 * 1024  # kernels and large static daemons keep their strings deep inside
MIN_SIZE = 256
MAX_MARKER_HITS = 32  # marker occurrences examined per version rule and file
EVIDENCE_CHARS = 160
ELF_MAGIC = b"\x7fELF"
_SKIP_DIRS = (
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
    "/usr/share/i18n/",
    "/usr/share/zoneinfo/",
    "/usr/include/",
    "/usr/share/icons/",
    "/usr/share/fonts/",
)
_TEXT_SUFFIXES = frozenset(
    (
        *(".txt", ".md", ".html", ".htm", ".css", ".js", ".json", ".xml", ".yaml", ".yml", ".conf"),
        *(".cfg", ".ini", ".py", ".pyc", ".pl", ".pm", ".sh", ".h", ".c", ".png", ".jpg", ".jpeg"),
        *(".gif", ".svg", ".ico", ".mo", ".po", ".pem", ".crt", ".key", ".csr", ".der", ".gz", ".xz"),
        *(".bz2", ".zst", ".lzma", ".zip", ".rules", ".service", ".socket", ".timer", ".desktop"),
        *(".policy", ".list", ".md5sums", ".symbols", ".shlibs", ".triggers"),
    )
)


@dataclass(frozen=True)
class VersionRule:
    """How one component's version is read: ``regex`` around ``marker``, or a ``nearby`` string."""

    marker: bytes
    regex: re.Pattern[bytes] | None
    nearby: re.Pattern[bytes] | None
    before: int
    after: int
    confidence: float
    method: str


@dataclass(frozen=True)
class Signature:
    """One component's identification data (one data file)."""

    name: str
    title: str
    cpe: tuple[str, ...]  # "vendor:product", exact
    cpe_part: str  # "a" (application) or "o" (operating system: the Linux kernel)
    purl_type: str
    purl_namespace: str
    purl_name: str
    packages: tuple[str, ...]
    files: tuple[str, ...]
    require: tuple[bytes, ...]
    require_any: tuple[bytes, ...]
    exclude: tuple[bytes, ...]
    versions: tuple[VersionRule, ...]
    file_version: re.Pattern[str] | None  # the version in the file's own name (libuClibc-1.0.31.so)
    raw: bool
    version_required: bool  # without a readable version the strings prove nothing
    confidence: float  # of the identity when no version rule matched

    def named(self, basename: str) -> bool:
        return any(fnmatch.fnmatchcase(basename, pattern) for pattern in self.files)


@dataclass(frozen=True)
class BinaryHit:
    """One component found in one file: the version (None when unreadable) and why we think so."""

    component: str
    path: str
    version: str | None
    evidence: str  # the string that identified it (printable, bounded)
    method: str
    confidence: float


@dataclass
class BinaryComponent:
    """One component of the image as identified from binaries: every file that carries it."""

    signature: Signature
    version: str | None
    hits: list[BinaryHit] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.signature.name

    @property
    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    @property
    def confidence(self) -> float:
        return max(hit.confidence for hit in self.hits)

    @property
    def best(self) -> BinaryHit:
        return max(self.hits, key=lambda hit: hit.confidence)

    def cpe23(self) -> list[str]:
        version = _cpe_escape(self.version) if self.version else "*"
        return [
            f"cpe:2.3:{self.signature.cpe_part}:{vendor_product}:{version}:*:*:*:*:*:*:*"
            for vendor_product in self.signature.cpe
        ]


def _cpe_escape(value: str) -> str:
    return re.sub(r"([^A-Za-z0-9._-])", r"\\\1", value)


def _bytes(text: str) -> bytes:
    """Data files write byte strings as text; ``\\xNN`` escapes give raw bytes (latin-1)."""
    return text.encode("latin-1")


def _rule(raw: dict[str, Any]) -> VersionRule:
    marker = _bytes(raw["marker"])
    regex = re.compile(_bytes(raw["regex"]), re.DOTALL) if "regex" in raw else None
    nearby = None
    if "nearby" in raw:
        nearby = re.compile(b"(?<=\\x00)(?:" + _bytes(raw["nearby"]) + b")(?=\\x00)")
    window = int(raw.get("window", 256 if regex is not None else 4096))
    return VersionRule(
        marker=marker,
        regex=regex,
        nearby=nearby,
        before=int(raw.get("before", 0 if regex is not None else window)),
        after=window,
        confidence=float(raw.get("confidence", 0.9 if regex is not None else 0.7)),
        method=str(
            raw.get("method", "version string" if regex is not None else "version string beside marker")
        ),
    )


def _signature(raw: dict[str, Any]) -> Signature:
    purl = raw.get("purl") or {}
    return Signature(
        name=raw["name"],
        title=raw.get("title", raw["name"]),
        cpe=tuple(raw.get("cpe") or ()),
        cpe_part=raw.get("cpe_part", "a"),
        purl_type=purl.get("type", "generic"),
        purl_namespace=purl.get("namespace", ""),
        purl_name=purl.get("name", raw["name"]),
        packages=tuple(raw.get("packages") or ()),
        files=tuple(raw.get("files") or ()),
        require=tuple(_bytes(s) for s in raw.get("require") or ()),
        require_any=tuple(_bytes(s) for s in raw.get("require_any") or ()),
        exclude=tuple(_bytes(s) for s in raw.get("exclude") or ()),
        versions=tuple(_rule(r) for r in raw.get("version") or ()),
        file_version=re.compile(raw["file_version"]) if "file_version" in raw else None,
        raw=bool(raw.get("raw", False)),
        version_required=bool(raw.get("version_required", False)),
        confidence=float(raw.get("confidence", 0.5)),
    )


def component_files() -> list[tuple[str, str]]:
    """(file name, text) of every component data file shipped with securable."""
    folder = resources.files("securable.assess").joinpath("data", "components")
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


@functools.cache
def load_signatures() -> tuple[Signature, ...]:
    """Every component signature (loaded once per process, on first use: not at import)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(_signature(yaml.load(text, Loader=loader)) for _name, text in component_files())  # noqa: S506


def _printable_around(data: bytes, start: int, end: int) -> str:
    """The printable run holding ``data[start:end]``, bounded, for the evidence."""
    left = start
    while left > 0 and start - left < EVIDENCE_CHARS and 0x20 <= data[left - 1] <= 0x7E:
        left -= 1
    right = end
    while right < len(data) and right - start < EVIDENCE_CHARS and 0x20 <= data[right] <= 0x7E:
        right += 1
    return data[left:right].decode("ascii", "replace")


def _read_version(sig: Signature, data: bytes) -> tuple[str, str, str, float] | None:
    for rule in sig.versions:
        start = 0
        for _ in range(MAX_MARKER_HITS):
            index = data.find(rule.marker, start)
            if index < 0:
                break
            start = index + 1
            lo, hi = max(0, index - rule.before), min(len(data), index + len(rule.marker) + rule.after)
            if rule.regex is not None:
                match = rule.regex.search(data, lo, hi)
                if match is None:
                    continue
                version = match.group(1).decode("ascii", "replace")
                return (
                    version,
                    _printable_around(data, match.start(), match.end()),
                    rule.method,
                    rule.confidence,
                )
            assert rule.nearby is not None
            best: re.Match[bytes] | None = None
            for match in rule.nearby.finditer(data, lo, hi):
                if best is None or abs(match.start() - index) < abs(best.start() - index):
                    best = match
            if best is not None:
                version = (best.group(1) if best.re.groups else best.group(0)).decode("ascii", "replace")
                marker_text = _printable_around(data, index, index + len(rule.marker))
                return version, f"{marker_text} … {version}", rule.method, rule.confidence
    return None


class _Markers:
    """Every fixed string of every signature in one Aho-Corasick automaton: one pass over a file
    tells which markers it holds, whatever the number of components (44 ``bytes.find`` calls
    per file cost about 15 times more)."""

    def __init__(self, signatures: tuple[Signature, ...]) -> None:
        patterns: set[bytes] = set()
        for sig in signatures:
            patterns.update(sig.require, sig.require_any, sig.exclude, (r.marker for r in sig.versions))
        self.patterns = sorted(patterns)
        self.automaton = ahocorasick_rs.BytesAhoCorasick(
            self.patterns, implementation=ahocorasick_rs.Implementation.DFA
        )

    def present(self, data: bytes) -> frozenset[bytes]:
        hits = self.automaton.find_matches_as_indexes(data, overlapping=True)
        return frozenset(self.patterns[index] for index, _start, _end in hits)


@functools.cache
def _markers() -> _Markers:
    return _Markers(load_signatures())


def identify(
    sig: Signature, path: str, data: bytes, present: frozenset[bytes] | None = None
) -> BinaryHit | None:
    """The component ``sig`` in one file's bytes, or None. ``present``: the markers the file
    holds, when already known (:class:`ComponentMatcher` finds them for all signatures at once)."""
    has = present.__contains__ if present is not None else data.__contains__
    if not all(has(marker) for marker in sig.require):
        return None
    available = [marker for marker in sig.require_any if has(marker)]
    if sig.require_any and not available:
        return None
    if any(has(marker) for marker in sig.exclude):
        return None
    found = _read_version(sig, data)
    if found is not None:
        version, evidence, method, confidence = found
        return BinaryHit(sig.name, path, version, evidence, f"binary-analysis: {method}", confidence)
    named = sig.file_version.match(PurePosixPath(path).name) if sig.file_version is not None else None
    if named is not None:
        marker = (*sig.require, *available)[0]
        first = data.find(marker)
        evidence = f"{PurePosixPath(path).name} ({_printable_around(data, first, first + len(marker))})"
        return BinaryHit(sig.name, path, named.group(1), evidence, "filename: version in the file name", 0.6)
    if sig.version_required:
        return None
    marker = (*sig.require, *available)[0]
    first = data.find(marker)
    evidence = _printable_around(data, first, first + len(marker))
    return BinaryHit(sig.name, path, None, evidence, "binary-analysis: identifying strings", sig.confidence)


class ComponentMatcher:
    """The component identification as a consumer of the shared byte pass."""

    name = "components"
    limit = SCAN_LIMIT

    def wants(self, entry: ImageFile) -> bool:
        if entry.size < MIN_SIZE or entry.path.startswith(_SKIP_DIRS):
            return False
        return PurePosixPath(entry.path).suffix.lower() not in _TEXT_SUFFIXES

    def scan(self, entry: ImageFile, data: bytes) -> Iterator[BinaryHit]:
        elf = data.startswith(ELF_MAGIC)
        basename = PurePosixPath(entry.path).name
        candidates = [
            sig
            for sig in load_signatures()
            if elf or (sig.raw and (sig.named(basename) or entry.path.startswith("/boot/")))
        ]
        if not candidates:
            return
        present = _markers().present(data)
        if not present:
            return
        for sig in candidates:
            hit = identify(sig, entry.path, data, present)
            if hit is not None:
                yield hit


COMPONENTS = ComponentMatcher()


def group_hits(hits: list[BinaryHit]) -> list[BinaryComponent]:
    """One :class:`BinaryComponent` per (component, version), in the order first found.

    A file whose version could not be read joins the versioned component of the same name when
    there is exactly one (the library and its tools); otherwise it stays "version unknown".
    """
    by_name = {sig.name: sig for sig in load_signatures()}
    groups: dict[tuple[str, str | None], BinaryComponent] = {}
    for hit in hits:
        if hit.version is not None:
            key: tuple[str, str | None] = (hit.component, hit.version)
            groups.setdefault(key, BinaryComponent(by_name[hit.component], hit.version)).hits.append(hit)
    for hit in hits:
        if hit.version is None:
            versions = [key for key in groups if key[0] == hit.component and key[1] is not None]
            key = versions[0] if len(versions) == 1 else (hit.component, None)
            groups.setdefault(key, BinaryComponent(by_name[hit.component], None)).hits.append(hit)
    return list(groups.values())

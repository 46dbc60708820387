"""One pass over the image for baked-in secrets: private keys, cloud tokens, password assignments.

The private-key, SSH-host-key and credential checks all read the same hits
(``FirmwareView.secret_hits``), which come from the shared byte pass (:mod:`.content`), so the
image is read once per run whatever the number of checks.

How it stays fast and safe on a hostile image:

* Each regular file is read **once**, at most :data:`SCAN_LIMIT` bytes, by the shared pass.
* One multi-literal prefilter (:class:`Prefilter`: Hyperscan's SIMD literal matcher, which releases
  the GIL so the pass's threads really run in parallel; ``bytes.find`` per marker where Hyperscan is
  not installed) tells which markers occur in a file at all. Most files hold none and cost one
  prefilter scan; the token regexes run only for the markers present, around each occurrence, over
  a bounded window.
* Generic ``password = …`` assignments are looked for only in small text files (no NUL byte) that
  hold one of the secret words, and not in documentation, man pages, locale catalogues or lintian
  overrides (where ``passwd:`` names a package, never a value). Lines are cut at :data:`MAX_LINE`.
* No regex has a nested or overlapping quantifier, so none can backtrack catastrophically.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from securable.assess.facts.content import content_pass
from securable.assess.facts.image_io import MAX_LINE
from securable.assess.model import ImageFile, ImageView

try:
    import hyperscan
except ImportError:  # pragma: no cover - platforms without a hyperscan wheel use bytes.find
    hyperscan = None  # type: ignore[assignment]

SCAN_LIMIT = 64 * 1024 * 1024  # bytes read per file: the prefilter makes whole large binaries affordable
TEXT_LIMIT = 512 * 1024  # files larger than this are not searched for generic assignments
_KEY_MARKER = b"PRIVATE KEY"
_PEM_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----")
_PEM_END = b"-----END "


@dataclass(frozen=True)
class SecretHit:
    """One secret found: its kind, where, and a redacted preview (never the secret itself)."""

    kind: str  # "private-key", "aws-access-key", ...
    path: str
    line: int
    preview: str
    detail: str = ""
    key_block: bytes = b""  # the PEM block of a private key, kept in memory only for parsing
    container: str = ""  # "ELF shared library" / "ELF executable" / "" (a plain file: key file, config)


@dataclass(frozen=True)
class _TokenRule:
    kind: str
    marker: bytes
    pattern: re.Pattern[bytes]


TOKEN_RULES: tuple[_TokenRule, ...] = (
    _TokenRule("aws-access-key", b"AKIA", re.compile(rb"\b(AKIA[0-9A-Z]{16})\b")),
    _TokenRule("aws-access-key", b"ASIA", re.compile(rb"\b(ASIA[0-9A-Z]{16})\b")),
    _TokenRule(
        "aws-secret-key",
        b"aws_secret_access_key",
        re.compile(rb"aws_secret_access_key[\"']?[ \t]{0,8}[:=][ \t]{0,8}[\"']?([A-Za-z0-9/+=]{40})\b"),
    ),
    _TokenRule("github-token", b"ghp_", re.compile(rb"\b(ghp_[A-Za-z0-9]{36,255})\b")),
    _TokenRule("github-token", b"gho_", re.compile(rb"\b(gho_[A-Za-z0-9]{36,255})\b")),
    _TokenRule("github-token", b"ghs_", re.compile(rb"\b(ghs_[A-Za-z0-9]{36,255})\b")),
    _TokenRule("github-token", b"github_pat_", re.compile(rb"\b(github_pat_[A-Za-z0-9_]{60,255})\b")),
    _TokenRule("gitlab-token", b"glpat-", re.compile(rb"\b(glpat-[A-Za-z0-9_-]{20,64})")),
    _TokenRule("slack-token", b"xox", re.compile(rb"\b(xox[abposr]-[A-Za-z0-9-]{10,120})")),
    _TokenRule(
        "slack-webhook",
        b"hooks.slack.com/services/",
        re.compile(rb"(hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32})"),
    ),
    _TokenRule("google-api-key", b"AIza", re.compile(rb"\b(AIza[0-9A-Za-z_-]{35})")),
    _TokenRule("stripe-key", b"sk_live_", re.compile(rb"\b(sk_live_[0-9A-Za-z]{24,99})\b")),
    _TokenRule("azure-storage-key", b"AccountKey=", re.compile(rb"AccountKey=([A-Za-z0-9+/]{86}==)")),
)

# key = value / key: value / key="value" for secret-looking keys, in text files only.
_ASSIGNMENT = re.compile(
    r"(?i)(?:^|[\s{,;\"'])(password|passwd|passphrase|wpa_passphrase|psk|secret|secret_key|api_key|apikey"
    r"|access_token|auth_token|token|client_secret)[\"']?[ \t]{0,8}[:=][ \t]{0,8}[\"']?([^\s\"'#;,<>]{8,128})"
)
#: Every name in :data:`_ASSIGNMENT` contains one of these (matched without regard to case).
_ASSIGNMENT_WORDS = (b"pass", b"psk", b"secret", b"token", b"api_key", b"apikey")
#: Documentation, manuals, translations and lintian overrides: ``passwd: …`` there names a package,
#: a command or a message, never a device's credential.
NOT_CONFIGURATION = (
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
    "/usr/share/i18n/",
    "/usr/share/lintian/",
    "/usr/share/common-licenses/",
    "/usr/share/help/",
    "/usr/share/gtk-doc/",
    "/usr/share/bug/",
)
_DOC_SUFFIXES = (".mo", ".po", ".pot", ".md", ".rst", ".html", ".htm", ".pod")
_NAME_VALUE = re.compile(r"^[a-z][a-z._/-]*$")  # a lowercase word or identifier: a name, not a secret
_PLACEHOLDERS = (
    "changeme",
    "example",
    "placeholder",
    "your",
    "xxxx",
    "****",
    "none",
    "null",
    "undefined",
    "password",
    "secret",
    "redacted",
    "dummy",
    "sample",
    "todo",
    "fixme",
)


def redact(secret: str) -> str:
    """First four characters and the length: enough to find the secret again, not to use it."""
    return f"{secret[:4]}…({len(secret)} chars)"


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _plausible_value(value: str) -> bool:
    lowered = value.lower()
    if value[:1] in "$%{<(/.~@" or "${" in value or "{{" in value or "(" in value:
        return False  # a variable, template, expression or path, not a literal secret
    if _NAME_VALUE.match(value):
        return False  # "elevated-privileges", "pam_unix.so", "required": a name
    if any(p in lowered for p in _PLACEHOLDERS):
        return False
    return entropy(value) >= 3.0


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _scan_keys(path: str, data: bytes) -> Iterator[SecretHit]:
    start = consumed = 0  # consumed: the end of the last block found; no BEGIN is looked for before it
    while True:
        index = data.find(b"PRIVATE KEY", start)
        if index < 0:
            return
        start = index + 11
        window_start = max(consumed, index - 60)
        match = _PEM_BEGIN.search(data, window_start, index + 30)
        if match is None:
            continue
        end = data.find(_PEM_END, match.end(), match.end() + 64 * 1024)
        if end < 0:
            continue  # a header string alone (e.g. inside libcrypto) is not a key
        close = data.find(b"-----", end + 9, end + 80)
        block = data[match.start() : close + 5 if close > 0 else end + 40]
        label = match.group(1).decode("ascii").strip() or "PKCS#8"
        if match.group(2):
            label = "PGP"
        consumed = end + len(_PEM_END)
        start = max(start, consumed)  # always forward: an END line also holds "PRIVATE KEY"
        yield SecretHit(
            "private-key", path, _line_of(data, match.start()), f"{label} PRIVATE KEY", label, block
        )


def _scan_tokens(path: str, data: bytes, rules: Sequence[_TokenRule] = TOKEN_RULES) -> Iterator[SecretHit]:
    for rule in rules:
        start = 0
        while True:
            index = data.find(rule.marker, start)
            if index < 0:
                break
            window = data[max(0, index - 64) : index + 320]
            start = index + len(rule.marker)
            match = rule.pattern.search(window)
            if match is None:
                continue
            secret = match.group(1).decode("ascii", "replace")
            yield SecretHit(rule.kind, path, _line_of(data, index), redact(secret))
            start = max(start, index - 64 + match.end(1))


def _candidate_lines(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each line holding one of the secret words, in file order, each once."""
    lowered = data.lower()
    spans: dict[int, int] = {}
    for word in _ASSIGNMENT_WORDS:
        at = lowered.find(word)
        while at >= 0:
            start = lowered.rfind(b"\n", 0, at) + 1
            end = lowered.find(b"\n", at)
            end = len(lowered) if end < 0 else end
            spans[start] = end
            at = lowered.find(word, end)
    return sorted(spans.items())


def _scan_assignments(path: str, data: bytes) -> Iterator[SecretHit]:
    line, counted = 1, 0  # line number at offset ``counted``, advanced incrementally
    for start, end in _candidate_lines(data):
        text = data[start : min(end, start + MAX_LINE)].decode("utf-8", "replace")
        if text.lstrip().startswith(("#", "//", ";", "--")):
            continue
        found = [m for m in _ASSIGNMENT.finditer(text) if _plausible_value(m.group(2))]
        if not found:
            continue
        line += data.count(b"\n", counted, start)
        counted = start
        for match in found:
            yield SecretHit("password-assignment", path, line, redact(match.group(2)), match.group(1).lower())


def is_documentation(path: str) -> bool:
    """Documentation, manuals, translations, lintian overrides: never a device's configuration."""
    return path.startswith(NOT_CONFIGURATION) or path.endswith(_DOC_SUFFIXES)


class Prefilter:
    """Which of a fixed set of byte markers occur in a buffer, in one scan.

    Hyperscan compiles the markers into one SIMD literal matcher (several GB/s, GIL released, one
    scratch space per thread) and reports each marker at most once; without Hyperscan each marker is
    looked for with ``bytes.find``. ``caseless`` markers match regardless of ASCII case.
    """

    def __init__(self, markers: Sequence[bytes], caseless: Sequence[bytes] = ()) -> None:
        self.markers = tuple(markers) + tuple(m.lower() for m in caseless)
        self._caseless_from = len(markers)
        self._local = threading.local()
        self._db = None
        if hyperscan is not None:
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            flags = [
                hyperscan.HS_FLAG_SINGLEMATCH | (hyperscan.HS_FLAG_CASELESS if i >= len(markers) else 0)
                for i in range(len(self.markers))
            ]
            try:
                db.compile(
                    expressions=[re.escape(m) for m in self.markers],
                    ids=list(range(len(self.markers))),
                    elements=len(self.markers),
                    flags=flags,
                )
            except hyperscan.error:  # e.g. a CPU without the SIMD Hyperscan needs: bytes.find
                return
            self._db = db

    def present(self, data: bytes) -> set[int]:
        """Indexes (into :attr:`markers`) of the markers that occur in ``data``."""
        if self._db is None:
            found = {i for i, m in enumerate(self.markers[: self._caseless_from]) if m in data}
            if self._caseless_from < len(self.markers):
                lowered = data.lower()
                found.update(
                    i for i, m in enumerate(self.markers) if i >= self._caseless_from and m in lowered
                )
            return found
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        seen: set[int] = set()
        self._db.scan(data, match_event_handler=_collect, context=seen, scratch=scratch)
        return seen


def _collect(marker: int, _start: int, _end: int, _flags: int, seen: object) -> None:
    assert isinstance(seen, set)
    seen.add(marker)


_BINARY_MARKERS = (_KEY_MARKER, *dict.fromkeys(rule.marker for rule in TOKEN_RULES))
BINARY_PREFILTER = Prefilter(_BINARY_MARKERS)
TEXT_PREFILTER = Prefilter(_BINARY_MARKERS, caseless=_ASSIGNMENT_WORDS)
_RULES_BY_MARKER = {
    index: tuple(rule for rule in TOKEN_RULES if rule.marker == marker)
    for index, marker in enumerate(_BINARY_MARKERS)
    if index
}


def container_of(path: str, data: bytes) -> str:
    """``ELF shared library``, ``ELF executable``, or "" for any other file (from the ELF header)."""
    if not data.startswith(b"\x7fELF") or len(data) < 18:
        return ""
    little = data[5:6] != b"\x02"
    e_type = int.from_bytes(data[16:18], "little" if little else "big")
    name = path.rsplit("/", 1)[-1]
    if e_type == 3 and (".so" in name or name.startswith("ld-")):
        return "ELF shared library"
    return "ELF executable" if e_type in (2, 3) else "ELF object"


def scan_file(path: str, data: bytes) -> list[SecretHit]:
    """Every secret in the bytes of one file."""
    text = len(data) <= TEXT_LIMIT and b"\0" not in data[:8192] and not is_documentation(path)
    present = (TEXT_PREFILTER if text else BINARY_PREFILTER).present(data)
    if not present:
        return []
    hits = list(_scan_keys(path, data)) if 0 in present else []
    rules = [rule for index in sorted(present) for rule in _RULES_BY_MARKER.get(index, ())]
    if rules:
        hits.extend(_scan_tokens(path, data, rules))
    if text and any(index >= len(_BINARY_MARKERS) for index in present):
        hits.extend(_scan_assignments(path, data))
    if hits and data.startswith(b"\x7fELF"):
        container = container_of(path, data)
        hits = [SecretHit(h.kind, h.path, h.line, h.preview, h.detail, h.key_block, container) for h in hits]
    return hits


@dataclass(frozen=True)
class SecretMatcher:
    """The secret scan as a consumer of the shared byte pass (:mod:`.content`)."""

    name: str = "secrets"
    limit: int = SCAN_LIMIT

    def wants(self, entry: ImageFile) -> bool:
        return True

    def scan(self, entry: ImageFile, data: bytes) -> list[SecretHit]:
        return scan_file(entry.path, data)


SECRETS = SecretMatcher()


def scan_image(image: ImageView) -> list[SecretHit]:
    """All secrets in the image, in a pass of their own (checks use ``FirmwareView.secret_hits``)."""
    return content_pass(image, [SECRETS]).of(SECRETS)

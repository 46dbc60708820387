"""One pass over the image for baked-in secrets: private keys, cloud tokens, password assignments.

The private-key, SSH-host-key and credential checks all read the same hits
(``FirmwareView.secret_hits``), so the image is scanned once per run whatever the number of checks.

How it stays fast and safe on a hostile image:

* Each regular file is read **once**, at most :data:`SCAN_LIMIT` bytes, through the image view.
* Binary content is searched only for a few fixed byte markers with ``bytes.find`` (C speed);
  the token regexes run only around a marker hit, over a bounded window.
* Generic ``password = …`` assignments are looked for only in small text files (no NUL byte),
  line by line, with lines cut at :data:`MAX_LINE`.
* No regex has a nested or overlapping quantifier, so none can backtrack catastrophically.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from securable.assess.facts.content import content_pass
from securable.assess.facts.image_io import MAX_LINE
from securable.assess.model import ImageFile, ImageView

SCAN_LIMIT = 8 * 1024 * 1024  # bytes read per file
TEXT_LIMIT = 512 * 1024  # files larger than this are not searched for generic assignments
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
_ASSIGNMENT_MARKERS = (
    b"pass",
    b"PASS",
    b"Pass",
    b"secret",
    b"SECRET",
    b"Secret",
    b"psk",
    b"PSK",
    b"token",
    b"TOKEN",
    b"Token",
    b"key",
    b"KEY",
    b"Key",
)
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
    if value[:1] in "$%{<(" or "${" in value or "{{" in value or "(" in value:
        return False  # a variable, template or expression, not a literal secret
    if any(p in lowered for p in _PLACEHOLDERS):
        return False
    return entropy(value) >= 3.0


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _scan_keys(path: str, data: bytes) -> Iterator[SecretHit]:
    start = 0
    while True:
        index = data.find(b"PRIVATE KEY", start)
        if index < 0:
            return
        start = index + 11
        window_start = max(0, index - 60)
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
        start = end
        yield SecretHit(
            "private-key", path, _line_of(data, match.start()), f"{label} PRIVATE KEY", label, block
        )


def _scan_tokens(path: str, data: bytes) -> Iterator[SecretHit]:
    for rule in TOKEN_RULES:
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


def _scan_assignments(path: str, data: bytes) -> Iterator[SecretHit]:
    if not any(m in data for m in _ASSIGNMENT_MARKERS):
        return
    text = data.decode("utf-8", "replace")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw[:MAX_LINE]
        stripped = line.lstrip()
        if stripped.startswith(("#", "//", ";", "--")):
            continue
        for match in _ASSIGNMENT.finditer(line):
            value = match.group(2)
            if _plausible_value(value):
                yield SecretHit("password-assignment", path, number, redact(value), match.group(1).lower())


def scan_file(path: str, data: bytes) -> list[SecretHit]:
    """Every secret in the bytes of one file."""
    hits = list(_scan_keys(path, data))
    hits.extend(_scan_tokens(path, data))
    if len(data) <= TEXT_LIMIT and b"\0" not in data[:8192]:
        hits.extend(_scan_assignments(path, data))
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

"""``/.well-known/security.txt`` read and judged per RFC 9116.

The format is a handful of ``Name: value`` lines, so it is read here rather than through a
library: the maintained Python validator (``sectxt``) is EUPL-licensed, fetches by itself with
``requests`` and pulls its test tools in at run time. What is judged (RFC 9116 §2.3 and §2.5):

* ``Contact`` at least once and ``Expires`` exactly once (both required); ``Expires`` a valid
  RFC 3339 date-time in the future and, as the RFC recommends, less than a year ahead;
* a web ``Contact``/``Policy``/``Canonical``/``Encryption`` URI uses ``https``;
* ``Canonical``, when present, lists the URL the file was fetched from;
* ``Preferred-Languages`` at most once; lines that are neither a field, a comment nor blank;
* a file served over plain ``http`` (the RFC requires HTTPS).

An OpenPGP cleartext-signed file (RFC 4880 §7) is unwrapped (dash-escaping undone) and its fields
judged like an unsigned one. Its signature is **verified only when the manufacturer's public key
is given** (``WebLimits.openpgp_key``), with GnuPG's ``gpgv`` run as a separate program (GnuPG is
GPL; it is called, never imported); without a key, or without ``gpgv``, the evidence says the
signature was not verified.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["MAX_AHEAD", "SecurityTxt", "parse_security_txt", "verify_signature"]

MAX_AHEAD = dt.timedelta(days=366)  # RFC 9116 §2.5.5: less than a year into the future
_FIELD = re.compile(r"^([A-Za-z0-9-]+):\s*(.*?)\s*$")
_SIGNED_START = "-----BEGIN PGP SIGNED MESSAGE-----"
_SIG_START = "-----BEGIN PGP SIGNATURE-----"
_SIG_END = "-----END PGP SIGNATURE-----"
MAX_FIELDS = 50  # distinct field names kept; a hostile file cannot flood the evidence
MAX_VALUES = 20  # values kept per field
MAX_VALUE_CHARS = 500
MAX_LINE_PROBLEMS = 10
_WEB_URI_FIELDS = ("contact", "policy", "canonical", "encryption", "acknowledgments", "hiring", "csaf")


@dataclass(frozen=True)
class SecurityTxt:
    """A parsed security.txt: its fields (lower-case names, values in order) and its problems."""

    url: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    signed: bool = False
    signature: str = "unsigned"  # unsigned | not verified (no key) | verified | invalid | ...
    expires: dt.datetime | None = None

    def values(self, name: str) -> list[str]:
        return self.fields.get(name.lower(), [])

    def first(self, name: str) -> str:
        found = self.values(name)
        return found[0] if found else ""

    @property
    def valid(self) -> bool:
        return not self.problems

    def describe(self) -> dict[str, object]:
        return {
            "url": self.url,
            "fields": self.fields,
            "signed": self.signed,
            "signature": self.signature,
            "expires": self.expires.isoformat() if self.expires else None,
            "problems": list(self.problems),
        }


def _unwrap_signed(text: str) -> tuple[str, str | None]:
    """(the signed text with dash-escaping undone, the armored signature) or (text, None)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != _SIGNED_START:
        return text, None
    start = 1
    while start < len(lines) and lines[start].strip():  # armor headers ("Hash: SHA256") up to a blank
        start += 1
    body: list[str] = []
    for n in range(start + 1, len(lines)):
        if lines[n].strip() == _SIG_START:
            signature = "\n".join(lines[n:])
            return "\n".join(body), signature if _SIG_END in signature else None
        body.append(lines[n][2:] if lines[n].startswith("- ") else lines[n])
    return "\n".join(body), None


def _datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or "T" not in value.upper():
        return None  # RFC 3339 date-time: a time and an offset are required
    return parsed


def parse_security_txt(
    text: str,
    url: str,
    *,
    now: dt.datetime,
    key: Path | None = None,
) -> SecurityTxt:
    """Parse and judge ``text`` fetched from ``url`` at ``now``."""
    problems: list[str] = []
    signed = text.lstrip().startswith(_SIGNED_START)
    signature_state = "unsigned"
    if signed:
        body, armored = _unwrap_signed(text.lstrip())
        if armored is None:
            problems.append(
                "the file starts as an OpenPGP signed message but has no complete signature block"
            )
            signature_state = "malformed"
        elif key is None:
            signature_state = "not verified (no OpenPGP key given)"
        else:
            signature_state = verify_signature(text.lstrip(), key)
            if signature_state != "verified":
                problems.append(
                    f"the OpenPGP signature does not verify with the given key ({signature_state})"
                )
    else:
        body = text
    fields: dict[str, list[str]] = {}
    bad_lines = 0
    for number, line in enumerate(body.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _FIELD.match(stripped)
        if match is None:
            bad_lines += 1
            if bad_lines <= MAX_LINE_PROBLEMS:
                problems.append(f"line {number} is neither a field, a comment nor blank: {stripped[:60]!r}")
            continue
        name = match.group(1).lower()
        if name not in fields and len(fields) >= MAX_FIELDS:
            continue
        values = fields.setdefault(name, [])
        if len(values) < MAX_VALUES or name == "expires":  # every Expires counts: only one is allowed
            values.append(match.group(2)[:MAX_VALUE_CHARS])
    if bad_lines > MAX_LINE_PROBLEMS:
        problems.append(
            f"{bad_lines - MAX_LINE_PROBLEMS} more lines are neither a field, a comment nor blank"
        )
    if urlsplit(url).scheme != "https":
        problems.append("served over plain http; RFC 9116 requires https")
    if not fields.get("contact"):
        problems.append("no Contact field (required)")
    expires_values = fields.get("expires", [])
    expires: dt.datetime | None = None
    if not expires_values:
        problems.append("no Expires field (required)")
    elif len(expires_values) > 1:
        problems.append(f"Expires appears {len(expires_values)} times (exactly once is required)")
    else:
        expires = _datetime(expires_values[0])
        if expires is None:
            problems.append(f"Expires {expires_values[0]!r} is not an RFC 3339 date-time")
        elif expires <= now:
            problems.append(f"expired on {expires.isoformat()}")
        elif expires - now > MAX_AHEAD:
            problems.append(f"Expires {expires.date().isoformat()} is more than a year ahead")
    if len(fields.get("preferred-languages", [])) > 1:
        problems.append("Preferred-Languages appears more than once")
    for name in _WEB_URI_FIELDS:
        for value in fields.get(name, []):
            if value.lower().startswith("http://"):
                problems.append(f"{name.capitalize()} {value!r} is a plain http URI (https is required)")
    canonical = fields.get("canonical", [])
    if canonical and url not in canonical:
        problems.append(f"Canonical lists {', '.join(canonical)} but the file was fetched from {url}")
    return SecurityTxt(url, fields, tuple(problems), signed, signature_state, expires)


def verify_signature(signed_text: str, key: Path) -> str:
    """Verify a cleartext-signed message with ``gpgv`` against ``key``: ``"verified"`` or why not."""
    gpg, gpgv = shutil.which("gpg"), shutil.which("gpgv")
    if gpgv is None or gpg is None:
        return "not verified (GnuPG's gpg/gpgv are not installed)"
    try:
        raw = key.read_bytes()
    except OSError as exc:
        return f"not verified (key {key} cannot be read: {exc.strerror or exc})"
    with tempfile.TemporaryDirectory(prefix="securable-gpg-") as tmp:
        env = {**os.environ, "GNUPGHOME": tmp, "LC_ALL": "C"}
        keyring = Path(tmp, "keyring.gpg")
        if raw.lstrip().startswith(b"-----BEGIN PGP"):
            done = subprocess.run(
                [gpg, "--batch", "--dearmor", "--output", str(keyring)],
                input=raw,
                capture_output=True,
                env=env,
                timeout=20,
                check=False,
            )
            if done.returncode != 0:
                return "not verified (the key is not an OpenPGP public key)"
        else:
            keyring.write_bytes(raw)
        message = Path(tmp, "security.txt.asc")
        message.write_text(signed_text, encoding="utf-8")
        done = subprocess.run(
            [gpgv, "--keyring", str(keyring), str(message)],
            capture_output=True,
            env=env,
            timeout=20,
            check=False,
        )
    return "verified" if done.returncode == 0 else "invalid signature"

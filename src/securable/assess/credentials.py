"""The shipped list of well-known default credentials, shared by the firmware and network checks.

One file (``data/default_credentials.txt``, tab-separated: vendor, service, user, password) so
that a password found in an image's ``/etc/shadow`` and one tried against a live login come from
the same list. A user of ``*`` means the password is a common weak one, tried for every account.

:func:`load_default_credentials` turns the list into the (user, password) pairs a live host
tries; it also reads a replacement list in JSON, YAML, CSV or ``user:password`` text form.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

ANY_USER = "*"


@dataclass(frozen=True)
class DefaultCredential:
    vendor: str
    service: str
    user: str  # ANY_USER for every account
    password: str


def parse_default_credentials(text: str) -> tuple[DefaultCredential, ...]:
    """Rows of the tab-separated list; comment lines (``#``) and malformed rows are skipped."""
    out: list[DefaultCredential] = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) == 4:
            out.append(DefaultCredential(*fields))
    return tuple(out)


@functools.cache
def default_credentials() -> tuple[DefaultCredential, ...]:
    """The list shipped as package data."""
    text = resources.files("securable.assess").joinpath("data/default_credentials.txt").read_text("utf-8")
    return parse_default_credentials(text)


# --- (user, password) pairs for live logins --------------------------------------------------

_DATA = "securable.assess.data"
_NAMES = (
    "default_credentials.json",
    "default_credentials.yaml",
    "default_credentials.yml",
    "default_credentials.csv",
    "default_credentials.txt",
)
BLANK_PAIRS: tuple[tuple[str, str], ...] = (("admin", ""), ("root", ""))


def _pairs(obj: Any) -> list[tuple[str, str]]:
    if isinstance(obj, dict):
        for key in ("credentials", "pairs", "entries", "items"):
            if key in obj:
                return _pairs(obj[key])
        return []
    out: list[tuple[str, str]] = []
    for entry in obj or []:
        if isinstance(entry, dict):
            user = entry.get("username", entry.get("user", entry.get("login")))
            pw = entry.get("password", entry.get("pass", ""))
            if user is not None:
                out.append((str(user), "" if pw is None else str(pw)))
        elif isinstance(entry, (list, tuple)) and len(entry) >= 2:
            out.append((str(entry[0]), str(entry[1])))
        elif isinstance(entry, str) and ":" in entry:
            user, _, pw = entry.partition(":")
            out.append((user, pw))
    return out


def parse_credentials(name: str, text: str) -> list[tuple[str, str]]:
    if name.endswith(".json"):
        return _pairs(json.loads(text))
    if name.endswith((".yaml", ".yml")):
        return _pairs(yaml.safe_load(text))
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if name.endswith(".txt") and any("\t" in ln for ln in lines):
        # the shared vendor/service/user/password list; a common password is tried as admin and root
        pairs: list[tuple[str, str]] = []
        for cred in parse_default_credentials(text):
            users = ("admin", "root") if cred.user == ANY_USER else (cred.user,)
            pairs.extend((user, cred.password) for user in users)
        return pairs
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO("\n".join(lines))))
        if rows and [c.strip().lower() for c in rows[0][:2]] in (
            ["username", "password"],
            ["user", "password"],
        ):
            rows = rows[1:]
        return _pairs([r for r in rows if len(r) >= 2])
    return _pairs(lines)


def load_default_credentials(folder: Path | None = None) -> tuple[tuple[str, str], ...]:
    """The shipped pairs (or those in ``folder``), de-duplicated, with blank passwords for
    admin/root added, most widely shared first.

    Empty when no list ships: the check then reports ``inconclusive`` rather than a pass.
    """
    found: list[tuple[str, str]] = []
    base: Traversable = folder if folder is not None else resources.files(_DATA)
    for name in _NAMES:
        res = base / name
        if res.is_file():
            found = parse_credentials(name, res.read_text(encoding="utf-8"))
            break
    if not found:
        return ()
    # The attempt budget is small, so the pairs most vendors share go first (stable otherwise).
    counts = Counter([*found, *BLANK_PAIRS])
    first = {pair: n for n, pair in reversed(list(enumerate([*found, *BLANK_PAIRS])))}
    return tuple(sorted(counts, key=lambda pair: (-counts[pair], first[pair])))

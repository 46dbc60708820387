"""Loading the shipped default-credential list (``assess/data/default_credentials.*``).

The list is shared with the firmware checks; this reader accepts its JSON, YAML, CSV or
``user:password`` text forms so that both halves read one file.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from securable.assess.credentials import ANY_USER, parse_default_credentials

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

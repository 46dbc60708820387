"""Bounded JSON parsing for uploads: size and nesting are checked before :func:`json.loads` runs.

Python's ``json`` module recurses once per nesting level and has no depth option, so ``[[[[…]]]]``
100 000 levels deep ends in ``RecursionError`` (a 500) — and every later walk over a merely very deep
document (schema validation, re-serialising) can do the same. Real SBOMs and assessment reports nest a
few dozen levels at most; refusing anything deeper than :data:`MAX_DEPTH` up front costs one linear scan.
"""

from __future__ import annotations

import json
import re
from typing import Any

from securable.errors import PortalError, UsageError

MAX_DEPTH = 64
MAX_BYTES = 5 * 1024 * 1024
# a JSON string (skipped whole, so brackets inside strings do not count) or one bracket
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JsonShapeError(PortalError, UsageError):
    """JSON too large or nested too deeply to parse safely (HTTP 400, exit 2)."""

    exit_code = 2


def nesting_depth(text: str, *, stop_above: int = MAX_DEPTH) -> int:
    """Deepest array/object nesting in ``text``; stops counting once it passes ``stop_above``."""
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def check(text: str, *, what: str, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> str:
    """Refuse ``text`` (named ``what`` in the message) if it is too big or too deep to parse."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise JsonShapeError(
            f"{what} is {size} bytes, more than {max_bytes}", diagnostics="upload a smaller file"
        )
    if nesting_depth(text, stop_above=max_depth) > max_depth:
        raise JsonShapeError(
            f"{what} nests more than {max_depth} levels deep",
            diagnostics="upload the JSON file as the tool wrote it; real SBOMs and reports nest far less",
        )
    return text


def loads(text: str, *, what: str, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """:func:`json.loads` after :func:`check`; ``json.JSONDecodeError`` still means malformed JSON."""
    return json.loads(check(text, what=what, max_depth=max_depth, max_bytes=max_bytes))

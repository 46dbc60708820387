"""Version order of upstream releases, as components identified from binaries report them.

NVD ranges (``versionEndExcluding: 1.1.1w``) use each project's own numbering, which is neither
Semantic Versioning nor Debian's: OpenSSL appends letters for its patch releases (``1.1.1`` <
``1.1.1a`` < ``1.1.1w`` < ``1.1.1za``), OpenSSH a portable suffix (``9.2`` < ``9.2p1`` < ``9.3``),
ISC and ntp.org ``-P1``/``p15``, and release candidates come *before* their release
(``2.0.0rc1`` < ``2.0.0``). BusyBox, dropbear (``2022.83``), U-Boot (``2023.01``) and the
kernel are plain dotted numbers. One order covers them all:

* the version is split into runs of digits and runs of letters (separators ``.-_+~`` only split);
* numbers compare as numbers; a letter run compares as text, after every number;
* ``alpha``, ``beta``, ``pre``, ``rc``, ``dev`` mark a pre-release and sort before the end of the
  version; any other letters (``a``, ``p``, ``w``, ``za``) sort after it;
* a missing trailing number counts as zero (``1.0`` == ``1.0.0``).

A version with no digit at all cannot be ordered and raises :class:`ValueError`: the caller then
reports the component as not comparable rather than guessing.
"""

from __future__ import annotations

import re
from functools import total_ordering

__all__ = ["UpstreamVersion", "upstream_key"]

_TOKEN = re.compile(r"\d+|[A-Za-z]+")
_PRE_RELEASE = {"dev": 0, "alpha": 1, "beta": 2, "pre": 3, "rc": 4}

# Each element: (kind, value). kind 0 = pre-release word, 1 = end of version, 2 = number, 3 = letters.
Element = tuple[int, int | str]
_END: Element = (1, 0)


def upstream_key(version: str) -> tuple[Element, ...]:
    """The sort key of ``version`` (see the module docstring); ValueError when it has no digit."""
    tokens = _TOKEN.findall(version.strip())
    if not any(token.isdigit() for token in tokens):
        raise ValueError(f"not a version: {version!r}")
    key: list[Element] = []
    for token in tokens:
        if token.isdigit():
            key.append((2, int(token)))
        elif token.lower() in _PRE_RELEASE:
            key.append((0, _PRE_RELEASE[token.lower()]))
        else:
            key.append((3, token.lower()))
    return tuple(key)


@total_ordering
class UpstreamVersion:
    """A version ordered by :func:`upstream_key`; shorter versions are padded with "end"."""

    def __init__(self, version: str) -> None:
        self.text = version
        self.key = upstream_key(version)

    def _padded(self, other: UpstreamVersion) -> tuple[tuple[Element, ...], tuple[Element, ...]]:
        size = max(len(self.key), len(other.key))
        return (
            self.key + (_END,) * (size - len(self.key)),
            other.key + (_END,) * (size - len(other.key)),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UpstreamVersion):
            return NotImplemented
        mine, theirs = self._padded(other)
        return _compare(mine, theirs) == 0

    def __lt__(self, other: UpstreamVersion) -> bool:
        mine, theirs = self._padded(other)
        return _compare(mine, theirs) < 0

    def __hash__(self) -> int:
        key = self.key
        while key and key[-1] == (2, 0):
            key = key[:-1]
        return hash(key)

    def __repr__(self) -> str:
        return f"UpstreamVersion({self.text!r})"


def _compare(left: tuple[Element, ...], right: tuple[Element, ...]) -> int:
    for (lk, lv), (rk, rv) in zip(left, right, strict=True):
        if {(lk, lv), (rk, rv)} == {_END, (2, 0)}:
            continue  # 1.0 == 1.0.0
        if lk != rk:
            return -1 if lk < rk else 1
        if lv != rv:
            return -1 if lv < rv else 1  # type: ignore[operator]  # same kind: both int or both str
    return 0

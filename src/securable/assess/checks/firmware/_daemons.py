"""Match boot entries against programs: the shared engine of the boot-service checks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from securable.assess.facts.boot import BootEntry


@dataclass(frozen=True)
class Match:
    entry: BootEntry
    line: int
    text: str
    program: str


def find_programs(entries: Iterable[BootEntry], pattern: re.Pattern[str]) -> Iterator[Match]:
    """Lines of boot entries where ``pattern`` (group ``prog``) names a program that is started."""
    for entry in entries:
        for number, text in entry.lines:
            match = pattern.search(text)
            if match:
                yield Match(entry, number or 0, text[:300], match.group("prog"))

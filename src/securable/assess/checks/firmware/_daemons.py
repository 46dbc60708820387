"""What the boot-service checks share: matching boot entries against programs, and one answer
for an image without any init configuration.

An image with no inittab, init scripts, systemd units or inetd configuration (a partial root
filesystem, an RTOS blob) does not show what starts at boot. That is not "nothing to look at"
(``not_applicable`` would let another check's pass stand for the requirement) but "cannot
tell": :class:`BootServiceCheck` reports it ``inconclusive`` once for all boot-service checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from securable.assess.check import FirmwareCheck
from securable.assess.facts.boot import BootEntry
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Verdict


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


class BootServiceCheck(FirmwareCheck):
    """Base of the checks that look at what the image starts at boot (``FirmwareView.boot_entries``).

    Subclasses implement :meth:`inspect`; an image without init configuration yields one
    ``inconclusive`` finding saying ``no_init_message`` instead.
    """

    no_init_message: ClassVar[str] = "no init configuration found: cannot tell what starts at boot"
    no_init_path: ClassVar[str] = "/etc"

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        if not target.has_init:
            yield self.finding(
                Verdict.INCONCLUSIVE, self.no_init_message, location=Location(path=self.no_init_path)
            )
            return
        yield from self.inspect(target)

    def inspect(self, target: FirmwareView) -> Iterable[Finding]:
        raise NotImplementedError

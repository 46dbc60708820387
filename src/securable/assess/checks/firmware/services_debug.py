"""``fw.services.debug``: no debug agent or raw shell listener starts at boot."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from securable.assess.check import Remediation
from securable.assess.checks.firmware._daemons import BootServiceCheck, find_programs
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict

_PROGRAMS = re.compile(
    r"(?:^|[\s/;&|'\"=])(?P<prog>gdbserver|lldb-server|adbd|tcf-agent|frida-server"
    r"|(?:nc|ncat|netcat)\s[^\n]{0,80}\s-e\s|socat\s[^\n]{0,120}exec:)",
    re.IGNORECASE,
)


class DebugServicesCheck(BootServiceCheck):
    """Debug agents started at boot: ``gdbserver``, ``lldb-server``, Android ``adbd``, Yocto's
    ``tcf-agent``, ``frida-server``, and netcat/socat listeners that hand out a shell.

    A debug agent gives whoever reaches it code execution as root with no authentication; they
    are left in production images from development builds. Fix: build production images without
    them (e.g. drop Yocto ``debug-tweaks``/``tools-debug``), or gate them behind an authenticated,
    per-device unlock.
    """

    id = "fw.services.debug"
    title = "No debug agents or shell listeners started at boot"
    severity = Severity.CRITICAL
    no_init_message: ClassVar[str] = (
        "no init configuration found: cannot tell whether debug services start at boot"
    )
    remediation = Remediation(
        summary="Build production images without debug agents (or their init entries); where field "
        "debugging is needed, gate it behind an authenticated, per-device unlock.",
        example="# Yocto: remove from the production image\n"
        'EXTRA_IMAGE_FEATURES:remove = "debug-tweaks tools-debug"\n'
        "rm rootfs/etc/init.d/S99gdbserver",
        references=("nistir8425:IAC-1a", "en303645:5.6-4", "en303645:5.6-1", "cra:I.2.j"),
    )

    def inspect(self, target: FirmwareView) -> Iterable[Finding]:
        entries = target.boot_entries
        hits = list(find_programs(entries, _PROGRAMS))
        for hit in hits:
            program = hit.program.split()[0]
            yield self.finding(
                Verdict.FAIL,
                f"{program} is started at boot ({hit.entry.mechanism})",
                location=Location(path=hit.entry.path, line=hit.line or None),
                evidence={
                    "program": program,
                    "line": hit.text[:200],
                    "enabled_by": hit.entry.via or hit.entry.path,
                },
            )
        if not hits:
            yield self.finding(
                Verdict.PASS,
                f"no debug agent among {len(entries)} boot entries",
                location=Location(path="/etc"),
                evidence={"boot_entries": len(entries)},
            )

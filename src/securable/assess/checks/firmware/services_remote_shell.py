"""``fw.services.remote-shell``: no cleartext remote shell (telnet, rlogin, rsh, rexec) starts at boot."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from securable.assess.check import Remediation
from securable.assess.checks.firmware._daemons import BootServiceCheck, find_programs
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict

_PROGRAMS = re.compile(
    r"(?:^|[\s/;&|'\"=])(?P<prog>(?:in\.)?telnetd|utelnetd|(?:in\.)?rlogind|(?:in\.)?rshd|(?:in\.)?rexecd)\b"
)
_INETD_SERVICES = {"telnet", "login", "shell", "exec"}


class RemoteShellServicesCheck(BootServiceCheck):
    """Telnet and the r-services started at boot by inetd/xinetd, init scripts (SysV, busybox,
    OpenWrt procd), inittab, systemd units or sockets, or ``@reboot`` cron lines.

    These protocols send the password and the whole session in clear text and usually give a
    root shell, which is why IoT botnets scan for them first. Fix: remove the daemon from the
    image (or at least from every boot path) and use SSH with per-device credentials.
    """

    id = "fw.services.remote-shell"
    title = "No telnet or r-services started at boot"
    severity = Severity.HIGH
    no_init_message: ClassVar[str] = (
        "no init configuration (inittab, init.d, systemd, inetd) found: cannot tell what starts at boot"
    )
    remediation = Remediation(
        summary="Remove telnetd and the r-services from the image, or at least from every boot path "
        "(inetd.conf, init scripts, systemd units, cron @reboot); offer SSH with per-device "
        "credentials instead.",
        example="# /etc/inetd.conf: delete the line\n"
        "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n"
        "# busybox: CONFIG_TELNETD=n",
        references=("nistir8425:IAC-1a", "nistir8425:DP-3", "en303645:5.6-1", "en303645:5.5-1", "cra:I.2.j"),
    )

    def inspect(self, target: FirmwareView) -> Iterable[Finding]:
        entries = target.boot_entries
        hits = list(find_programs(entries, _PROGRAMS))
        for entry in entries:
            inetd = entry.mechanism in ("inetd", "xinetd") and entry.name in _INETD_SERVICES
            if inetd and not any(h.entry is entry for h in hits):
                yield self._fail(
                    entry.path, entry.lines[0][0], entry.name, entry.mechanism, entry.lines[0][1]
                )
        for hit in hits:
            yield self._fail(
                hit.entry.path, hit.line, hit.program, hit.entry.mechanism, hit.text, hit.entry.via
            )
        if not hits and not any(
            e.mechanism in ("inetd", "xinetd") and e.name in _INETD_SERVICES for e in entries
        ):
            yield self.finding(
                Verdict.PASS,
                f"no telnet/rlogin/rsh/rexec among {len(entries)} boot entries",
                location=Location(path="/etc"),
                evidence={"boot_entries": len(entries)},
            )

    def _fail(self, path: str, line: int, program: str, mechanism: str, text: str, via: str = "") -> Finding:
        return self.finding(
            Verdict.FAIL,
            f"{program} is started at boot ({mechanism})",
            location=Location(path=path, line=line or None),
            evidence={
                "program": program,
                "mechanism": mechanism,
                "line": text[:200],
                "enabled_by": via or path,
            },
        )

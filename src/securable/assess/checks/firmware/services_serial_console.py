"""``fw.services.serial-console``: no console or serial line gives a shell without a login."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from securable.assess.check import Remediation
from securable.assess.checks.firmware._daemons import BootServiceCheck
from securable.assess.facts.boot import BootEntry
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.image_io import is_shell
from securable.assess.model import Finding, Location, Severity, Verdict

_GETTY = re.compile(r"(?:^|[\s/=-])(?:a|m|min)?getty\b")
_AUTOLOGIN = re.compile(r"(?:--autologin|\s-a)\s+\S+")
_LOGIN_PROGRAM = re.compile(r"(?:-l|--login-program)\s+(\S+)")
_LOGIN_F = re.compile(r"\blogin\s+-f\b")


def _shell_without_login(command: str) -> str | None:
    """Why ``command`` (an inittab process or ExecStart) gives a shell without a password, or None."""
    command = command.removeprefix("ExecStart=").lstrip("-@+!: ")
    words = command.split()
    if not words:
        return None
    if is_shell(words[0]):
        return f"runs the shell {words[0]} directly"
    if _LOGIN_F.search(command):
        return "runs 'login -f', which skips the password"
    if _GETTY.search(command):
        if _AUTOLOGIN.search(command):
            return "getty logs a user in automatically (autologin)"
        program = _LOGIN_PROGRAM.search(command)
        if program and is_shell(program.group(1)):
            return f"getty runs {program.group(1)} instead of login"
    return None


def _inittab_console(entry: BootEntry) -> str:
    fields = entry.lines[0][1].split(":", 3)
    tty = fields[0] or "console"
    words = fields[3].split()
    for word in words[1:]:
        if word.startswith("tty") or word == "console":
            tty = word
    return tty


class SerialConsoleCheck(BootServiceCheck):
    """Console and serial-line entries (``/etc/inittab`` for sysvinit and busybox, systemd
    ``serial-getty@``/``console-getty`` units and their drop-ins) that start a shell directly,
    use getty autologin, ``login -f``, or a shell as getty's login program.

    A UART header is on almost every board and a shell without a password there gives root to
    anyone who opens the case, and often to anyone with the USB console. Fix: run ``getty`` with
    the normal ``login`` (busybox: ``::respawn:/sbin/getty -L ttyS0 115200 vt100``), or disable the
    console in production builds.
    """

    id = "fw.services.serial-console"
    title = "Serial consoles require a login"
    severity = Severity.HIGH
    no_init_message: ClassVar[str] = "no init configuration found: cannot tell what runs on the consoles"
    no_init_path: ClassVar[str] = "/etc/inittab"
    remediation = Remediation(
        summary="Run getty with the normal login program on every console (no autologin, no shell "
        "as login program, no 'login -f'), or disable the serial console in production builds.",
        example="# /etc/inittab (busybox)\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100",
        references=("nistir8425:IAC-1b", "nistir8425:IAC-1a", "en303645:5.6-4", "cra:I.2.d"),
    )

    def inspect(self, target: FirmwareView) -> Iterable[Finding]:
        consoles = 0
        failed = False
        for entry in target.boot_entries:
            if entry.mechanism == "inittab":
                process = entry.lines[0][1].split(":", 3)[3]
                if not (
                    _GETTY.search(process)
                    or is_shell(process.split()[0] if process.split() else "")
                    or "login" in process
                ):
                    continue
                consoles += 1
                why = _shell_without_login(process)
                if why:
                    failed = True
                    yield self._fail(entry, entry.lines[0][0], why, _inittab_console(entry))
            elif entry.mechanism == "systemd" and "getty" in entry.name:
                consoles += 1
                for number, line in entry.lines:
                    why = _shell_without_login(line) if line.startswith("ExecStart=") else None
                    if why:
                        failed = True
                        yield self._fail(entry, number, why, entry.name)
        if not failed:
            yield self.finding(
                Verdict.PASS,
                f"{consoles} console entries, all behind a login"
                if consoles
                else "no console shell configured",
                location=Location(path="/etc/inittab"),
                evidence={"consoles": consoles},
            )

    def _fail(self, entry: BootEntry, line: int, why: str, console: str) -> Finding:
        return self.finding(
            Verdict.FAIL,
            f"console {console} gives a shell without a password: {why}",
            location=Location(path=entry.path, line=line or None),
            evidence={"console": console, "mechanism": entry.mechanism, "reason": why},
        )

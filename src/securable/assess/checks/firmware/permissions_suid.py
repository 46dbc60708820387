"""``fw.permissions.suid``: set-user-ID and set-group-ID programs are only the expected ones."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from typing import ClassVar

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import (
    FileKind,
    Finding,
    Location,
    Severity,
    Verdict,
)

# Programs that need privilege by design on common distributions (basename → "suid"/"sgid"/"both").
ALLOWED: dict[str, str] = {
    "su": "suid",
    "sudo": "suid",
    "passwd": "suid",
    "chsh": "suid",
    "chfn": "suid",
    "newgrp": "suid",
    "gpasswd": "suid",
    "mount": "suid",
    "umount": "suid",
    "ping": "suid",
    "ping6": "suid",
    "pkexec": "suid",
    "fusermount": "suid",
    "fusermount3": "suid",
    "newuidmap": "suid",
    "newgidmap": "suid",
    "dbus-daemon-launch-helper": "suid",
    "polkit-agent-helper-1": "suid",
    "ssh-keysign": "suid",
    "Xorg.wrap": "suid",
    "traceroute6.iputils": "suid",
    "unix_chkpwd": "both",
    "chage": "sgid",
    "expiry": "sgid",
    "crontab": "sgid",
    "wall": "sgid",
    "write": "sgid",
    "bsd-write": "sgid",
    "ssh-agent": "sgid",
    "dotlockfile": "sgid",
    "utempter": "sgid",
    "mlocate": "sgid",
    "plocate": "sgid",
}
_SYSTEM_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/libexec/", "/lib/")


class SuidProgramsCheck(FirmwareCheck):
    """Regular files with the set-user-ID or set-group-ID bit, compared with an allowlist of programs
    that need it by design (``su``, ``passwd``, ``mount``, ``ping`` ...) in system directories.

    Each extra set-ID program is a way from any local foothold to root; a set-ID ``busybox``
    makes every applet a candidate, and a set-ID script or world-writable set-ID file is root for
    anyone. Fix: clear the bit (``chmod u-s,g-s``) or use file capabilities for the one privilege
    the program needs.
    """

    id = "fw.permissions.suid"
    title = "Only expected set-user-ID and set-group-ID programs"
    severity = Severity.MEDIUM
    allowed: ClassVar[dict[str, str]] = ALLOWED
    remediation = Remediation(
        summary="Clear the set-ID bit on programs that do not need it, never set it on scripts or "
        "busybox, and give a program that needs one privilege a file capability instead.",
        example="chmod u-s,g-s rootfs/usr/sbin/fw-tool\n"
        "setcap cap_net_raw+ep rootfs/usr/bin/ping    # instead of suid",
        references=("nistir8425:IAC-1c", "en303645:5.6-7", "cra:I.2.j", "cra:I.2.k"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if not any(e.kind is FileKind.FILE for e in target.files()):
            return NotApplicable("the image has no regular files", location=Location(path="/"))
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        expected: list[str] = []
        failed = False
        for entry in image.files():
            if entry.kind is not FileKind.FILE:
                continue
            bits = entry.mode & (stat.S_ISUID | stat.S_ISGID)
            if not bits:
                continue
            kind = "suid" if bits == stat.S_ISUID else "sgid" if bits == stat.S_ISGID else "both"
            name = entry.path.rsplit("/", 1)[-1]
            rule = self.allowed.get(name)
            ok = rule is not None and (rule == "both" or rule == kind) and entry.path.startswith(_SYSTEM_DIRS)
            writable = bool(entry.mode & stat.S_IWOTH)
            if ok and not writable:
                expected.append(entry.path)
                continue
            failed = True
            head = image.read_bytes(entry.path, 2) or b""
            reason = (
                "world-writable set-ID file"
                if writable
                else "set-ID script"
                if head == b"#!"
                else "set-ID busybox: every applet runs privileged"
                if name.startswith("busybox")
                else "not on the allowlist of set-ID programs"
            )
            yield self.finding(
                Verdict.FAIL,
                f"{kind.replace('both', 'suid+sgid')} {entry.path}: {reason}",
                location=Location(path=entry.path),
                severity=Severity.HIGH
                if writable or head == b"#!" or name.startswith("busybox")
                else self.severity,
                evidence={"mode": oct(stat.S_IMODE(entry.mode)), "uid": entry.uid, "gid": entry.gid},
            )
        if not failed:
            yield self.finding(
                Verdict.PASS,
                f"{len(expected)} set-ID programs, all expected",
                location=Location(path="/"),
                evidence={"expected": expected[:50]},
            )

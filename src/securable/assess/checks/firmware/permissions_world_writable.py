"""``fw.permissions.world-writable``: nothing under system, boot or init paths is world-writable."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from typing import ClassVar

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import (
    FileKind,
    Finding,
    ImageFile,
    Location,
    Severity,
    Verdict,
)

PROTECTED = (
    "/etc/",
    "/boot/",
    "/bin/",
    "/sbin/",
    "/lib/",
    "/lib64/",
    "/usr/bin/",
    "/usr/sbin/",
    "/usr/lib/",
    "/usr/libexec/",
    "/usr/local/bin/",
    "/usr/local/sbin/",
    "/usr/local/lib/",
    "/opt/",
    "/root/",
)


def _protected(entry: ImageFile) -> bool:
    return (entry.path + "/").startswith(PROTECTED) and entry.kind in (FileKind.FILE, FileKind.DIRECTORY)


class WorldWritableCheck(FirmwareCheck):
    """Files and directories under ``/etc``, ``/boot``, the binary and library directories, ``/opt``
    and ``/root`` that any user may write (directories without the sticky bit).

    Any local process (a compromised web UI running as ``nobody``, say) can then replace an init
    script, a library or a configuration and gain root at the next boot. Fix: ``chmod o-w`` in
    the image build (e.g. buildroot's device table or a Yocto ``do_install`` step).
    """

    id = "fw.permissions.world-writable"
    title = "No world-writable system, boot or init files"
    severity = Severity.HIGH
    max_findings: ClassVar[int] = 50
    remediation = Remediation(
        summary="Remove the write bit for others from system, boot and init paths in the image "
        "build; a shared directory that must stay writable gets the sticky bit.",
        example="chmod o-w rootfs/etc/init.d/rcS    # or buildroot's device table:\n"
        "/etc/init.d/rcS  f  755  0  0  -  -  -  -  -",
        references=("nistir8425:IAC-1c", "en303645:5.6-7", "cra:I.2.f", "cra:I.2.d"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if not any(_protected(e) for e in target.files()):
            return NotApplicable("no system, boot or init paths in the image", location=Location(path="/etc"))
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        checked = 0
        bad = []
        for entry in target.files():
            if not _protected(entry):
                continue
            checked += 1
            if entry.mode & stat.S_IWOTH and not (
                entry.kind is FileKind.DIRECTORY and entry.mode & stat.S_ISVTX
            ):
                bad.append(entry)
        for entry in bad[: self.max_findings]:
            yield self.finding(
                Verdict.FAIL,
                f"world-writable {'directory' if entry.kind is FileKind.DIRECTORY else 'file'} {entry.path}",
                location=Location(path=entry.path),
                evidence={"mode": oct(stat.S_IMODE(entry.mode)), "uid": entry.uid},
            )
        if len(bad) > self.max_findings:
            yield self.finding(
                Verdict.FAIL,
                f"{len(bad) - self.max_findings} more world-writable paths",
                location=Location(path="/"),
                evidence={"total": len(bad)},
            )
        if not bad:
            yield self.finding(
                Verdict.PASS,
                f"none of {checked} system paths is world-writable",
                location=Location(path="/etc"),
                evidence={"checked": checked},
            )

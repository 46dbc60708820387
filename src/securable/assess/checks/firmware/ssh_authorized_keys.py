"""``fw.ssh.authorized-keys``: the image ships no pre-authorised SSH keys."""

from __future__ import annotations

import re
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.image_io import config_lines
from securable.assess.model import (
    FileKind,
    Finding,
    Location,
    Severity,
    Verdict,
)

AUTHORIZED_KEYS = (
    "/root/.ssh/authorized_keys",
    "/root/.ssh/authorized_keys2",
    "/home/*/.ssh/authorized_keys",
    "/home/*/.ssh/authorized_keys2",
    "/etc/dropbear/authorized_keys",
    "/etc/ssh/authorized_keys/*",
)
_KEY = re.compile(
    r"(?:^|\s)(ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+(\S{16,})"
)


def authorized_keys_files(image: FirmwareView) -> list[str]:
    """The ``authorized_keys`` files (regular files) at the places OpenSSH and dropbear read them."""
    return sorted(
        {e.path for pattern in AUTHORIZED_KEYS for e in image.glob(pattern) if e.kind is FileKind.FILE}
    )


class AuthorizedKeysCheck(FirmwareCheck):
    """``authorized_keys`` files with keys in the image (root, users under ``/home``, dropbear,
    ``/etc/ssh/authorized_keys``).

    A key shipped in every device is a universal credential: whoever holds the private half (a
    vendor laptop, a CI server, a former employee) logs in to the whole fleet, and the user
    cannot see or change it. Fix: ship no keys; let the owner add theirs during setup, or use
    short-lived certificates signed per device. Not applicable when the image has neither an SSH
    server nor an ``authorized_keys`` file.
    """

    id = "fw.ssh.authorized-keys"
    title = "No pre-authorised SSH keys shipped"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Ship no authorized_keys with keys in them; let the owner add theirs during setup, "
        "or use short-lived SSH certificates signed per device. Retire the shipped key pair.",
        example="rm rootfs/root/.ssh/authorized_keys    # image build step",
        references=("nistir8425:IAC-1b", "en303645:5.1-1", "cra:I.2.d"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if target.ssh_server is None and not authorized_keys_files(target):
            return NotApplicable(
                "no SSH server configuration in the image", location=Location(path="/etc/ssh")
            )
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        files = authorized_keys_files(target)
        found = False
        for path in files:
            for number, line in config_lines(target, path):
                match = _KEY.search(line)
                if match:
                    found = True
                    comment = line[match.end() :].strip()[:80]
                    yield self.finding(
                        Verdict.FAIL,
                        f"pre-authorised {match.group(1)} key in {path}",
                        location=Location(path=path, line=number),
                        evidence={
                            "type": match.group(1),
                            "key": f"{match.group(2)[:12]}…",
                            "comment": comment,
                        },
                    )
        if found:
            return
        yield self.finding(
            Verdict.PASS,
            "no authorized_keys with keys in the image",
            location=Location(path="/root/.ssh/authorized_keys"),
            evidence={"files": files},
        )

"""``fw.ssh.authorized-keys``: the image ships no pre-authorised SSH keys."""

from __future__ import annotations

import re
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck
from securable.assess.checks.firmware._common import config_lines
from securable.assess.facts.firmware import FirmwareView
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


class AuthorizedKeysCheck(FirmwareCheck):
    """``authorized_keys`` files with keys in the image (root, users under ``/home``, dropbear,
    ``/etc/ssh/authorized_keys``).

    A key shipped in every device is a universal credential: whoever holds the private half (a
    vendor laptop, a CI server, a former employee) logs in to the whole fleet, and the user
    cannot see or change it. Fix: ship no keys; let the owner add theirs during setup, or use
    short-lived certificates signed per device.
    """

    id = "fw.ssh.authorized-keys"
    title = "No pre-authorised SSH keys shipped"
    severity = Severity.HIGH

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        files = sorted(
            {e.path for pattern in AUTHORIZED_KEYS for e in image.glob(pattern) if e.kind is FileKind.FILE}
        )
        found = False
        for path in files:
            for number, line in config_lines(image, path):
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
        ssh = (
            image.exists("/etc/ssh") or image.exists("/etc/dropbear") or image.exists("/etc/config/dropbear")
        )
        if not ssh and not files:
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                "no SSH server configuration in the image",
                location=Location(path="/etc/ssh"),
            )
            return
        yield self.finding(
            Verdict.PASS,
            "no authorized_keys with keys in the image",
            location=Location(path="/root/.ssh/authorized_keys"),
            evidence={"files": files},
        )

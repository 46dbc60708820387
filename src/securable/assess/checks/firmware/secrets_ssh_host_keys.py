"""``fw.secrets.ssh-host-keys``: SSH host keys are generated on each device, not shipped in the image."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import FirmwareCheck
from securable.assess.checks.firmware._keys import HOST_KEY_GLOBS, describe_key
from securable.assess.checks.firmware._secret_scan import scan_image
from securable.assess.checks.firmware.secrets_private_keys import is_host_key_path
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import (
    FileKind,
    Finding,
    Location,
    Severity,
    Verdict,
)


class SshHostKeysCheck(FirmwareCheck):
    """SSH host private keys (OpenSSH ``/etc/ssh/ssh_host_*_key``, dropbear ``/etc/dropbear/*``) in the image.

    A host key in the image is shared by every device built from it: anyone with one unit or the
    update file can impersonate all of them and read or alter their SSH sessions. Fix: remove the
    keys from the image and generate them at first boot (``ssh-keygen -A``, ``dropbear -R``, or the
    ``sshd-keygen`` service), on the device. Evidence gives the public fingerprint so units can be
    compared.
    """

    id = "fw.secrets.ssh-host-keys"
    title = "No SSH host keys shared across devices"
    severity = Severity.HIGH

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        paths: set[str] = set()
        for pattern in HOST_KEY_GLOBS:
            paths.update(e.path for e in image.glob(pattern) if e.kind is FileKind.FILE and e.size > 0)
        paths = {p for p in paths if not p.endswith(".pub")}
        blocks = {
            h.path: h for h in scan_image(image) if h.kind == "private-key" and is_host_key_path(h.path)
        }
        ssh_present = bool(image.glob("/etc/ssh/*") or image.glob("/etc/dropbear/*")) or any(
            image.exists(p)
            for p in ("/usr/sbin/sshd", "/usr/sbin/dropbear", "/usr/bin/dropbear", "/sbin/dropbear")
        )
        for path in sorted(paths):
            hit = blocks.get(path)
            info = describe_key(hit.key_block) if hit else {"format": "dropbear or unparsed"}
            yield self.finding(
                Verdict.FAIL,
                "SSH host private key shipped in the image: every device would share it",
                location=Location(path=path),
                evidence=info,
            )
        if paths:
            return
        if not ssh_present:
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                "no SSH server configuration (/etc/ssh, /etc/dropbear) in the image",
                location=Location(path="/etc/ssh"),
            )
            return
        yield self.finding(
            Verdict.PASS,
            "no SSH host private key in the image (keys are left to be generated on the device)",
            location=Location(path="/etc/ssh"),
        )

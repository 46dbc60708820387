"""``fw.secrets.ssh-host-keys``: SSH host keys are generated on each device, not shipped in the image."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.checks.firmware._keys import describe_key
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.ssh import HOST_KEY_GLOBS, is_host_key_path
from securable.assess.model import FileKind, Finding, Location, Severity, Verdict


def host_key_files(image: FirmwareView) -> list[str]:
    """Non-empty host private key files (not ``.pub``) at the OpenSSH and dropbear key paths."""
    paths = {
        e.path
        for pattern in HOST_KEY_GLOBS
        for e in image.glob(pattern)
        if e.kind is FileKind.FILE and e.size > 0 and not e.path.endswith(".pub")
    }
    return sorted(paths)


class SshHostKeysCheck(FirmwareCheck):
    """SSH host private keys (OpenSSH ``/etc/ssh/ssh_host_*_key``, dropbear ``/etc/dropbear/*``) in the image.

    A host key in the image is shared by every device built from it: anyone with one unit or the
    update file can impersonate all of them and read or alter their SSH sessions. Fix: remove the
    keys from the image and generate them at first boot (``ssh-keygen -A``, ``dropbear -R``, or the
    ``sshd-keygen`` service), on the device. Evidence gives the public fingerprint so units can be
    compared. Not applicable when the image has neither an SSH server nor host keys.
    """

    id = "fw.secrets.ssh-host-keys"
    title = "No SSH host keys shared across devices"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Delete the host keys from the image build and have each unit generate its own at "
        "first boot, before the SSH server starts.",
        example="rm -f rootfs/etc/ssh/ssh_host_*_key*    # build step\n"
        "ssh-keygen -A                              # first boot (dropbear: dropbear -R)",
        references=("nistir8425:DP-1", "nistir8425:AI-1", "en303645:5.4-3", "cra:I.2.e"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if target.ssh_server is None and not host_key_files(target):
            return NotApplicable(
                "no SSH server configuration (/etc/ssh, /etc/dropbear) in the image",
                location=Location(path="/etc/ssh"),
            )
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        paths = host_key_files(target)
        blocks = {
            h.path: h for h in target.secret_hits if h.kind == "private-key" and is_host_key_path(h.path)
        }
        for path in paths:
            hit = blocks.get(path)
            info = describe_key(hit.key_block) if hit else {"format": "dropbear or unparsed"}
            yield self.finding(
                Verdict.FAIL,
                "SSH host private key shipped in the image: every device would share it",
                location=Location(path=path),
                evidence=info,
            )
        if not paths:
            yield self.finding(
                Verdict.PASS,
                "no SSH host private key in the image (keys are left to be generated on the device)",
                location=Location(path="/etc/ssh"),
                evidence={"servers": list(target.ssh_server.kinds) if target.ssh_server else []},
            )

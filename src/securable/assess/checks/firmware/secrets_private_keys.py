"""``fw.secrets.private-keys``: no private key is baked into the image."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck
from securable.assess.checks.firmware._keys import HOST_KEY_GLOBS, describe_key
from securable.assess.checks.firmware._secret_scan import scan_image
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict


def is_host_key_path(path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in HOST_KEY_GLOBS)


class PrivateKeysCheck(FirmwareCheck):
    """PEM, PKCS#8, OpenSSH and PGP private keys anywhere in the image (text or binaries).

    A private key shipped in firmware is the same on every device of the model and can be pulled
    out of any unit or downloaded update, so whatever it signs, decrypts or authenticates is
    compromised class-wide. SSH host keys are reported by ``fw.secrets.ssh-host-keys``. Fix: generate
    keys on the device (at first boot or in manufacturing, into a secure element where possible)
    and ship only public keys and certificates. Evidence names type, size and public fingerprint.
    """

    id = "fw.secrets.private-keys"
    title = "No private keys baked into the image"
    severity = Severity.HIGH

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        hits = [h for h in scan_image(image) if h.kind == "private-key" and not is_host_key_path(h.path)]
        for hit in hits:
            info = describe_key(hit.key_block)
            yield self.finding(
                Verdict.FAIL,
                f"{hit.detail} private key baked into the image",
                location=Location(path=hit.path, line=hit.line),
                severity=Severity.MEDIUM if info.get("encrypted") else Severity.HIGH,
                evidence={"format": hit.detail, **info},
            )
        if not hits:
            yield self.finding(
                Verdict.PASS, "no private key found in the image's files", location=Location(path="/")
            )

"""``fw.secrets.private-keys``: no private key is baked into the image."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.checks.firmware._keys import describe_key
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.ssh import is_host_key_path
from securable.assess.model import Finding, Location, Severity, Verdict


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
    remediation = Remediation(
        summary="Remove the key from the image; generate each unit's key on the device (first boot "
        "or manufacturing, in a secure element where there is one) and ship only public keys and "
        "certificates. Treat the shipped key as compromised and revoke what it signed.",
        example="openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out /data/device.key"
        "    # on the device, at first boot",
        references=("nistir8425:DP-1", "en303645:5.4-3", "en303645:5.4-4", "cra:I.2.e"),
    )

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        hits = [h for h in target.secret_hits if h.kind == "private-key" and not is_host_key_path(h.path)]
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

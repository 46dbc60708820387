"""``fw.secrets.private-keys``: no private key is baked into the image."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.checks.firmware._keys import describe_key, is_key
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.ssh import is_host_key_path
from securable.assess.model import Finding, Location, Severity, Verdict

MAX_LISTED = 50  # package-owned keys listed one by one; more are counted


class PrivateKeysCheck(FirmwareCheck):
    """PEM, PKCS#8, OpenSSH and PGP private keys anywhere in the image (text or binaries).

    A private key shipped in firmware is the same on every device of the model and can be pulled
    out of any unit or downloaded update, so whatever it signs, decrypts or authenticates is
    compromised class-wide. SSH host keys are reported by ``fw.secrets.ssh-host-keys``. Fix: generate
    keys on the device (at first boot or in manufacturing, into a secure element where possible)
    and ship only public keys and certificates. Evidence names type, size and public fingerprint.

    Only what parses as a key counts (pyca/cryptography; for passphrase-protected keys, the
    structure of one): PEM header text inside a program is not a key. A key in a file a package
    installed unchanged (its content still matches the checksum the package recorded, see
    :mod:`securable.assess.facts.package_files`) is the upstream package's — ``libgnutls``'s
    self-test keys are on every Debian system — and is reported as information, not a failure. A key
    inside an executable or shared library is named as such, apart from key files.
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
        candidates = [
            h for h in target.secret_hits if h.kind == "private-key" and not is_host_key_path(h.path)
        ]
        described = [(h, describe_key(h.key_block)) for h in candidates]
        hits = [(h, info) for h, info in described if is_key(h.key_block, info)]
        failed = packaged = 0
        for hit, info in hits:
            where = f"in an {hit.container}" if hit.container else "in a key file"
            evidence = {"format": hit.detail, "container": hit.container or "file", **info}
            owner = target.unchanged_package(hit.path)
            if owner is not None:
                packaged += 1
                if packaged > MAX_LISTED:
                    continue  # counted in the summary, not listed one by one
                yield self.finding(
                    Verdict.PASS,
                    f"{hit.detail} private key {where} installed unchanged by package '{owner.package}': "
                    "the upstream package's, the same on every system that installs it",
                    location=Location(path=hit.path, line=hit.line),
                    evidence={
                        **evidence,
                        "package": owner.package,
                        "package_manager": owner.manager,
                        "checksum": f"{owner.algorithm} matches {owner.record}",
                    },
                )
                continue
            failed += 1
            yield self.finding(
                Verdict.FAIL,
                f"{hit.detail} private key baked into the image"
                + (f" (embedded in an {hit.container})" if hit.container else ""),
                location=Location(path=hit.path, line=hit.line),
                severity=Severity.MEDIUM if info.get("encrypted") else Severity.HIGH,
                evidence=evidence,
            )
        if not failed:
            yield self.finding(
                Verdict.PASS,
                "no private key of the device maker's found in the image's files",
                location=Location(path="/"),
                evidence={"not_keys": len(candidates) - len(hits), "package_keys": packaged},
            )

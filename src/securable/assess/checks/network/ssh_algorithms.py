"""SSH key exchange, host key, cipher and MAC algorithms, audited by ssh-audit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from securable.assess.check import Remediation
from securable.assess.checks.network._common import SshServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost, ServiceInfo

SECTIONS = ("kex", "key", "enc", "mac")


def classify(report: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(algorithms ssh-audit fails, algorithms it warns about), by section."""
    failed: dict[str, list[str]] = {}
    warned: dict[str, list[str]] = {}
    for section in SECTIONS:
        for entry in report.get(section) or []:
            if not isinstance(entry, Mapping):
                continue
            name = str(entry.get("algorithm", "?"))
            notes = entry.get("notes") or {}
            if notes.get("fail"):
                failed.setdefault(section, []).append(name)
            elif notes.get("warn"):
                warned.setdefault(section, []).append(name)
    return failed, warned


class SshAlgorithmsCheck(SshServiceCheck):
    """Every SSH service offers only algorithms ssh-audit does not fail: no SHA-1 or small
    Diffie-Hellman key exchange, no DSA or SHA-1 RSA host-key signatures, no CBC/3DES/RC4
    ciphers, no MD5/SHA-1/64-bit MACs, and no NIST curves that ssh-audit distrusts.

    ssh-audit (MIT) runs as a program against the port. Its warnings go to the evidence
    without failing. CVEs it lists come from the version in the banner only; distributions
    back-port fixes without changing that version, so they are evidence for a reviewer, not
    a failure here. Fix a failure with ``KexAlgorithms``, ``HostKeyAlgorithms``, ``Ciphers`` and
    ``MACs`` in the server configuration (ssh-audit's hardening guides list good sets).
    """

    id = "net.ssh.algorithms"
    title = "SSH services offer only strong algorithms"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Offer only strong key exchange, host key, cipher and MAC algorithms in the SSH "
        "server configuration.",
        example="# sshd_config\nKexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\n"
        "HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256\n"
        "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com\n"
        "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
        references=(
            "nistir8425:DP-3",
            "en303645:5.5-1",
            "cra:I.2.e",
            "https://www.ssh-audit.com/hardening_guides.html",
        ),
    )

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        report = target.probe.ssh_audit(target.address, svc.port)
        if report is None:
            yield self.finding(
                Verdict.INCONCLUSIVE, f"port {svc.port}: ssh-audit gave no result", location=loc
            )
            return
        failed, warned = classify(report)
        cves = [c.get("name") for c in report.get("cves") or [] if isinstance(c, Mapping)]
        ev = {
            "banner": report.get("banner"),
            "failed": failed,
            "warned": warned,
            "cves_by_banner_version": cves,
            "tool": "ssh-audit",
        }
        if failed:
            names = sorted({n for names in failed.values() for n in names})
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} offers weak SSH algorithms: {', '.join(names)}",
                location=loc,
                evidence=ev,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port}: no SSH algorithm failed the audit",
                location=loc,
                evidence=ev,
            )

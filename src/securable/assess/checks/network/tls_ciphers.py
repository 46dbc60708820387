"""Weak cipher suites accepted by each TLS service."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.network._common import TlsServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost, ServiceInfo

# OpenSSL cipher-string classes, each offered alone in one TLS 1.2 (or lower) handshake.
WEAK_CLASSES: tuple[tuple[str, str, Severity], ...] = (
    ("NULL", "eNULL", Severity.CRITICAL),  # no encryption at all
    ("anonymous", "aNULL", Severity.CRITICAL),  # no server authentication
    ("EXPORT", "EXPORT", Severity.CRITICAL),
    ("RC4", "RC4", Severity.HIGH),
    ("DES/3DES", "DES:3DES", Severity.HIGH),
    ("MD5 MAC", "MD5", Severity.HIGH),
    ("static RSA key exchange (no forward secrecy)", "kRSA", Severity.MEDIUM),
)


class TlsWeakCiphersCheck(TlsServiceCheck):
    """No TLS service accepts a weak cipher suite: NULL encryption, anonymous key exchange,
    export grade, RC4, DES/3DES, MD5 MACs, or static-RSA key exchange (no forward secrecy).

    Each class is offered alone, at TLS 1.2 and below (TLS 1.3 has no weak suites), from a
    context at OpenSSL security level 0. Classes that the local OpenSSL cannot offer at all (it
    is built without RC4, DES and export suites) are listed as untested in the evidence rather
    than passed silently. Fix a failure by restricting the server to AEAD suites with ECDHE.
    """

    id = "net.tls.weak-ciphers"
    title = "TLS services refuse weak cipher suites"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Restrict the TLS server to AEAD cipher suites with ECDHE key exchange.",
        example="# nginx\nssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;\n"
        "# Python ssl: ctx.set_ciphers('ECDHE+AESGCM:ECDHE+CHACHA20')",
        references=("nistir8425:DP-3", "en303645:5.5-1", "cra:I.2.e", "RFC 9325"),
    )

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        accepted: dict[str, str] = {}
        untested: list[str] = []
        worst = Severity.INFO
        order = list(Severity)
        for label, cipher_string, sev in WEAK_CLASSES:
            hs = target.probe.tls_handshake(
                target.address,
                svc.port,
                version=ssl.TLSVersion.TLSv1_2,
                ciphers=f"{cipher_string}:@SECLEVEL=0",
            )
            if hs.error and hs.error.startswith("local:"):
                untested.append(label)
            elif hs.accepted:
                accepted[label] = hs.cipher or "(suite not shown: handshake ended on client certificate)"
                worst = max(worst, sev, key=order.index)
        ev = {"accepted": accepted, "untested_locally": untested}
        if accepted:
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} accepts weak cipher suites: {', '.join(accepted)}",
                location=loc,
                evidence=ev,
                severity=worst,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} refused every weak cipher class offered",
                location=loc,
                evidence=ev,
            )

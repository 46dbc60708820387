"""TLS protocol versions accepted by each TLS service."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.network._common import TlsServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost, ServiceInfo

PROBED_VERSIONS: tuple[tuple[str, ssl.TLSVersion], ...] = (
    ("TLSv1", ssl.TLSVersion.TLSv1),
    ("TLSv1.1", ssl.TLSVersion.TLSv1_1),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2),
    ("TLSv1.3", ssl.TLSVersion.TLSv1_3),
)
OBSOLETE = frozenset({"TLSv1", "TLSv1.1"})


class TlsVersionsCheck(TlsServiceCheck):
    """Every TLS service accepts only TLS 1.2 and 1.3.

    TLS 1.0 and 1.1 are deprecated (RFC 8996): their handshakes rest on SHA-1/MD5 and their
    record protection on constructions with known attacks. The probe offers one version per
    handshake. Its context runs at OpenSSL security level 0, because OpenSSL 3 otherwise
    refuses TLS 1.0/1.1 on the *client* side and the probe could not see whether the device
    accepts them. A handshake the server ends by rejecting our throwaway client certificate
    still counts as accepted: the server negotiated that version. Fix a failure by setting the
    server's minimum protocol version to TLS 1.2.
    """

    id = "net.tls.versions"
    title = "TLS services refuse TLS 1.0 and 1.1"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Set the TLS server's minimum protocol version to TLS 1.2.",
        example="# nginx\nssl_protocols TLSv1.2 TLSv1.3;\n"
        "# mosquitto.conf\ntls_version tlsv1.2\n"
        "# Python ssl\nctx.minimum_version = ssl.TLSVersion.TLSv1_2",
        references=("nistir8425:DP-3", "en303645:5.5-1", "cra:I.2.e", "RFC 8996"),
    )

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        accepted: list[str] = []
        refused: dict[str, str] = {}
        for name, version in PROBED_VERSIONS:
            hs = target.probe.tls_handshake(target.address, svc.port, version=version)
            if hs.accepted:
                accepted.append(name)
            else:
                refused[name] = hs.error or "refused"
        ev = {"accepted": accepted, "refused": refused}
        old = [v for v in accepted if v in OBSOLETE]
        if old:
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} accepts obsolete {', '.join(old)}",
                location=loc,
                evidence=ev,
            )
        elif accepted:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} accepts only {', '.join(accepted)}",
                location=loc,
                evidence=ev,
            )
        else:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"port {svc.port}: no TLS version was accepted",
                location=loc,
                evidence=ev,
            )

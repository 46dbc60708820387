"""``fw.certificates.weak-keys``: no certificate of the device has a weak key or signature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.checks.firmware._certificates import own_certificates, trust_store_summary
from securable.assess.facts.certificates import Certificate
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.catalog.evidence import mapping_confidence


def _severity(cert: Certificate, weaknesses: tuple[str, ...]) -> Severity:
    """Broken beyond doubt (RSA under 1024 bits, MD5/MD2) is high; below today's minimum is medium;
    only a weak hash on a self-signed certificate (whose own signature protects nothing) is low."""
    if (cert.key_type == "RSA" and cert.key_bits < 1024) or cert.signature_hash in ("md5", "md2", "md4"):
        return Severity.HIGH if not cert.self_signed else Severity.MEDIUM
    key_weak = any(not w.startswith("signed with") for w in weaknesses)
    if cert.self_signed and not key_weak:
        return Severity.LOW
    return Severity.MEDIUM


class WeakCertificateKeyCheck(FirmwareCheck):
    """Certificates in the image (outside trust stores) with a weak key or signature: RSA keys under
    2048 bits, DSA keys, elliptic-curve keys under 224 bits, and signatures over MD5 or SHA-1
    (NIST SP 800-131A; SHA-1 signatures allow chosen-prefix forgeries). Trust-store roots are
    counted in the summary, not reported one by one.

    Fix: reissue the certificate with an RSA-3072 or P-256 (or stronger) key and a SHA-256 (or
    stronger) signature.
    """

    id = "fw.certificates.weak-keys"
    title = "Certificates in the image use strong keys and signatures"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Reissue the certificate with at least an RSA-2048 (better RSA-3072) or P-256 key, "
        "signed with SHA-256 or stronger.",
        example="openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 \\\n"
        '  -days 3650 -subj "/CN=device" -keyout device.key -out device.crt',
        references=("en303645:5.5-1", "cra:I.2.e"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if not target.certificates:
            return NotApplicable("no X.509 certificate in the image", location=Location(path="/"))
        if not own_certificates(target.certificates):
            stores = trust_store_summary(target.certificates, dt.datetime.now(dt.UTC))
            return NotApplicable(
                f"the image's certificates are all in {len(stores)} trust store(s) of public roots",
                location=Location(path="/"),
                evidence={"trust_stores": stores},
            )
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        confidence = mapping_confidence(self.id)
        own = own_certificates(target.certificates)
        weak = 0
        for cert in own:
            weaknesses = cert.weaknesses()
            if not weaknesses:
                continue
            weak += 1
            yield self.finding(
                Verdict.FAIL,
                f"certificate '{cert.subject}' in {cert.path}: {'; '.join(weaknesses)}",
                location=Location(path=cert.path),
                severity=_severity(cert, weaknesses),
                evidence={
                    "weaknesses": list(weaknesses),
                    "certificate": cert.to_json(),
                    "mapping_confidence": confidence,
                },
            )
        stores = trust_store_summary(target.certificates, dt.datetime.now(dt.UTC))
        if not weak:
            yield self.finding(
                Verdict.PASS,
                f"{len(own)} certificate(s) outside trust stores, none with a weak key or signature"
                + (f"; {len(stores)} trust store(s) summarised" if stores else ""),
                location=Location(path="/"),
                evidence={"certificates": len(own), "trust_stores": stores, "mapping_confidence": confidence},
            )

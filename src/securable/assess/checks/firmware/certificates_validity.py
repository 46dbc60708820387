"""``fw.certificates.validity``: no certificate of the device is expired or expires during support."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.checks.firmware._certificates import own_certificates, trust_store_summary
from securable.assess.checks.firmware._common import declaration_of
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.catalog.evidence import mapping_confidence


class CertificateValidityCheck(FirmwareCheck):
    """Every X.509 certificate in the image (PEM in any file, DER by name; read with
    pyca/cryptography): subject, issuer and validity go in the table of the summary finding
    (``evidence.rows``). A certificate that has **expired** fails; one that **expires before the
    declared end of the support period** (``support.end`` in product.yaml, when the run has a
    declaration) fails too: the device would lose the connection, the update channel or the
    identity it needs while the manufacturer still promises support. Trust stores
    (``/etc/ssl/certs``, CA bundles) hold public roots the manufacturer does not issue: they are
    summarised per file (count, expired, earliest expiry), not reported root by root.

    Fix: issue certificates that outlive the support period, or ship the means to renew them
    (ACME, EST, an update that replaces them) and say so; replace expired ones.
    """

    id = "fw.certificates.validity"
    title = "Certificates in the image are valid for the support period"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Replace expired certificates; give certificates the device relies on a validity that "
        "covers the declared support period, or ship a way to renew them in the field.",
        example="openssl x509 -in cloud-ca.pem -noout -enddate   # must lie after support.end",
        references=("en303645:5.5-1", "cra:I.2.c"),
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
        now = dt.datetime.now(dt.UTC)
        declaration = declaration_of(self.context)
        support = declaration.support if declaration is not None else None
        support_end = (
            dt.datetime.combine(support.end + dt.timedelta(days=1), dt.time(), dt.UTC)
            if support is not None and support.end is not None
            else None
        )
        confidence = mapping_confidence(self.id)
        own = own_certificates(target.certificates)
        failures = 0
        for cert in own:
            where = Location(path=cert.path)
            evidence: dict[str, Any] = {"certificate": cert.to_json(), "mapping_confidence": confidence}
            if cert.expired(now):
                failures += 1
                yield self.finding(
                    Verdict.FAIL,
                    f"certificate '{cert.subject}' in {cert.path} expired on {cert.not_after.date()}",
                    location=where,
                    severity=Severity.MEDIUM,
                    evidence=evidence,
                )
            elif support_end is not None and support is not None and cert.not_after < support_end:
                failures += 1
                yield self.finding(
                    Verdict.FAIL,
                    f"certificate '{cert.subject}' in {cert.path} expires on {cert.not_after.date()}, "
                    f"before the declared end of support ({support.end_text})",
                    location=where,
                    severity=Severity.LOW,
                    evidence={**evidence, "support_end": support.end_text},
                )
        summary: dict[str, Any] = {
            "certificates": len(own),
            "trust_stores": trust_store_summary(target.certificates, now),
            "support_end": support.end_text if support is not None and support.end_text else None,
            "mapping_confidence": confidence,
            "rows": [c.to_json() for c in own],
        }
        scope = (
            f"valid beyond the declared end of support ({support.end_text})"
            if support_end is not None and support is not None
            else "unexpired (no declared end of support to compare with)"
        )
        stores = len(summary["trust_stores"])
        tail = f"; {stores} trust store(s) summarised" if stores else ""
        if failures:
            yield self.finding(
                Verdict.FAIL,
                f"{failures} of {len(own)} certificate(s) are expired or expire during support{tail}",
                location=Location(path="/"),
                severity=Severity.LOW,
                evidence=summary,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"{len(own)} certificate(s) outside trust stores, all {scope}{tail}",
                location=Location(path="/"),
                evidence=summary,
            )

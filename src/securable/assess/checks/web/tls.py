"""``web.tls``: the backend is served over TLS 1.2+ with a valid, trusted certificate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from cryptography import x509

from securable.assess.check import Remediation
from securable.assess.checks.network.tls_certificate import examine_chain
from securable.assess.checks.network.tls_versions import OBSOLETE
from securable.assess.checks.web._common import WebCheck
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.web import WebSite


class WebTlsCheck(WebCheck):
    """The HTTP(S) backend is reached over https only, refuses TLS 1.0 and 1.1, and presents a
    certificate chain that is valid, strong (the live TLS checks' rules, shared with
    ``net.tls.certificate``) and verifies for the host name against the system's trust anchors
    (plus ``--web-ca`` when given).

    A backend carries the customers' data and credentials between the app, the device and the
    cloud; plain http or an untrusted certificate exposes them to anyone on the path. The
    handshakes come from the same permissive probe as the device's TLS checks
    (``assess/targets/host/tls_client.py``). Fix a failure by serving the API over TLS 1.2+ with a
    certificate from a CA the clients trust.
    """

    id = "web.tls"
    title = "The backend uses TLS 1.2+ with a trusted certificate"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Serve the backend over https only, with TLS 1.2 as the minimum version and a "
        "certificate for its host name from a CA the clients trust.",
        example="# nginx\nssl_protocols TLSv1.2 TLSv1.3;\n"
        "ssl_certificate /etc/ssl/api.example.com/fullchain.pem;",
        references=("nistir8425:DP-3", "en303645:5.5-1", "cra:I.2.e", "RFC 8996"),
    )

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        loc = site.location()
        facts = site.tls_facts
        if facts is None:
            yield self.finding(
                Verdict.FAIL,
                f"{site.url} is served over plain http: data and credentials cross the network unprotected",
                location=loc,
                evidence={"url": site.url},
            )
            return
        accepted = [name for name, ok in facts.versions.items() if ok]
        problems = [f"accepts obsolete {name}" for name in accepted if name in OBSOLETE]
        evidence: dict[str, object] = {"versions_accepted": accepted, "trusted": facts.trusted}
        chain_der = facts.handshake.chain
        if not facts.handshake.accepted or not chain_der:
            problems.append(f"no TLS handshake completed ({facts.handshake.error or 'no certificate sent'})")
        else:
            try:
                chain = [x509.load_der_x509_certificate(der) for der in chain_der]
            except ValueError as exc:
                problems.append(f"the certificate cannot be parsed ({exc})")
            else:
                chain_problems, described = examine_chain(chain, dt.datetime.now(dt.UTC))
                problems += chain_problems
                evidence.update(described)
        if not facts.trusted:
            problems.append(f"the certificate does not verify for {site.host}: {facts.trust_error}")
            evidence["trust_error"] = facts.trust_error
        evidence["version"] = facts.handshake.version
        evidence["cipher"] = facts.handshake.cipher
        if problems:
            yield self.finding(
                Verdict.FAIL, f"{site.url}: {'; '.join(problems)}", location=loc, evidence=evidence
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"{site.url}: TLS ({', '.join(accepted)}) with a trusted, valid certificate",
                location=loc,
                evidence=evidence,
            )

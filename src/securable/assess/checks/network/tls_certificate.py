"""The certificate chain each TLS service presents: validity period, chain links, key size,
signature hash."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from securable.assess.check import Remediation
from securable.assess.checks.network._common import TlsServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost, ServiceInfo

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
WEAK_HASHES = frozenset({"md5", "sha1", "md2", "md4"})
EXPIRY_WARNING = _dt.timedelta(days=30)


def key_problem(cert: x509.Certificate) -> tuple[str, str | None]:
    """(description of the public key, problem or None)."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return (
            f"RSA {key.key_size}",
            None if key.key_size >= MIN_RSA_BITS else f"RSA key below {MIN_RSA_BITS} bits",
        )
    if isinstance(key, ec.EllipticCurvePublicKey):
        size = key.curve.key_size
        return f"EC {key.curve.name}", None if size >= MIN_EC_BITS else f"EC key below {MIN_EC_BITS} bits"
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return type(key).__name__.replace("PublicKey", ""), None
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}", "DSA keys are obsolete"
    return type(key).__name__, None


def examine_chain(chain: list[x509.Certificate], now: _dt.datetime) -> tuple[list[str], dict[str, Any]]:
    """Problems of a presented chain (leaf first) and the evidence describing it."""
    problems: list[str] = []
    described: list[dict[str, Any]] = []
    for i, cert in enumerate(chain):
        label = "leaf" if i == 0 else f"chain[{i}]"
        keydesc, keyproblem = key_problem(cert)
        hash_alg = cert.signature_hash_algorithm
        self_signed = cert.issuer == cert.subject
        described.append(
            {
                "subject": cert.subject.rfc4514_string(),
                "issuer": cert.issuer.rfc4514_string(),
                "not_before": cert.not_valid_before_utc.isoformat(),
                "not_after": cert.not_valid_after_utc.isoformat(),
                "key": keydesc,
                "signature_hash": hash_alg.name if hash_alg else None,
                "self_signed": self_signed,
            }
        )
        if cert.not_valid_after_utc < now:
            problems.append(f"{label} expired on {cert.not_valid_after_utc.date().isoformat()}")
        if cert.not_valid_before_utc > now:
            problems.append(f"{label} is not valid before {cert.not_valid_before_utc.date().isoformat()}")
        if keyproblem:
            problems.append(f"{label}: {keyproblem}")
        if hash_alg is not None and hash_alg.name in WEAK_HASHES and not (self_signed and i > 0):
            problems.append(f"{label} is signed with {hash_alg.name}")
        if i + 1 < len(chain):
            try:
                cert.verify_directly_issued_by(chain[i + 1])
            except (ValueError, TypeError, InvalidSignature) as exc:
                problems.append(
                    f"{label} is not issued by the next certificate sent ({exc or 'bad signature'})"
                )
        elif self_signed:
            try:
                cert.verify_directly_issued_by(cert)
            except (ValueError, TypeError, InvalidSignature):
                problems.append(f"{label} claims to be self-signed but its signature does not verify")
    return problems, {"chain": described}


class TlsCertificateCheck(TlsServiceCheck):
    """The certificate chain each TLS service sends is within its validity period, each link is
    signed by the next certificate sent, keys are at least RSA 2048 / EC P-256, and no
    signature uses MD5 or SHA-1.

    An expired or weak certificate teaches users and clients to click through warnings or to
    switch verification off, which removes the protection TLS is there for. Self-signed device
    certificates are reported in the evidence but not failed: on a local interface they are
    common and can be pinned. Fix a failure by issuing a fresh certificate with a strong key from
    the device identity (``securable.device.identity``) and sending the full chain.
    """

    id = "net.tls.certificate"
    title = "TLS certificates are valid, strong and correctly chained"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Issue a fresh certificate with an RSA 2048+ or EC P-256+ key, signed with SHA-256 "
        "or better, from the device identity, and send the full chain.",
        example="# the device kit: a new key and certificate from the device identity\n"
        "# (securable.device.identity), then in the TLS server\n"
        "ssl_certificate /etc/device/tls/chain.pem;   # leaf first, then the issuing CA",
        references=("nistir8425:DP-3", "en303645:5.5-1", "cra:I.2.e"),
    )

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        now = _dt.datetime.now(_dt.UTC)
        hs = target.probe.tls_handshake(target.address, svc.port)
        if not hs.chain:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"port {svc.port}: no certificate could be read ({hs.error or 'handshake ended early'})",
                location=loc,
            )
            return
        try:
            chain = [x509.load_der_x509_certificate(der) for der in hs.chain]
        except ValueError as exc:
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} sent a certificate that does not parse: {exc}",
                location=loc,
            )
            return
        problems, ev = examine_chain(chain, now)
        leaf_left = chain[0].not_valid_after_utc - now
        if not problems and leaf_left < EXPIRY_WARNING:
            ev["note"] = f"the leaf certificate expires in {leaf_left.days} days"
        if problems:
            yield self.finding(
                Verdict.FAIL, f"port {svc.port}: {'; '.join(problems)}", location=loc, evidence=ev
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port}: certificate chain of {len(chain)} is valid and strong",
                location=loc,
                evidence=ev,
            )

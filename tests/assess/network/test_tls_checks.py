"""net.tls.* against real Python ssl servers with good and bad configurations."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from securable.assess.checks.network import TlsCertificateCheck, TlsVersionsCheck, TlsWeakCiphersCheck
from securable.assess.checks.network.tls_certificate import key_problem
from securable.assess.model import Severity, Verdict

from . import peers
from .conftest import host_for, run

pytestmark = pytest.mark.integration


def test_modern_server_passes_all_tls_checks(good_cert: peers.Pem) -> None:
    with peers.http_server(peers.WebApp(), peers.server_context(good_cert)) as port:
        host = host_for(port)
        versions = run(TlsVersionsCheck, host)
        cert = run(TlsCertificateCheck, host)
        ciphers = run(TlsWeakCiphersCheck, host)
    assert [f.verdict for f in versions] == [Verdict.PASS]
    assert versions[0].evidence["accepted"] == ["TLSv1.2", "TLSv1.3"]
    assert [f.verdict for f in cert] == [Verdict.PASS]
    assert len(cert[0].evidence["chain"]) == 2  # leaf and CA, both read from the wire
    assert [f.verdict for f in ciphers] == [Verdict.PASS]
    assert "RC4" in ciphers[0].evidence["untested_locally"]  # this OpenSSL cannot offer RC4


def test_legacy_server_fails_versions_and_ciphers(certdir: Path) -> None:
    rsa_cert = peers.make_cert(certdir, "rsa2048", key=peers.rsa_key(2048))
    ctx = peers.server_context(rsa_cert, legacy=True, ciphers="AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0")
    with peers.http_server(peers.WebApp(), ctx) as port:
        host = host_for(port)
        versions = run(TlsVersionsCheck, host)
        ciphers = run(TlsWeakCiphersCheck, host)
    assert versions[0].verdict is Verdict.FAIL
    assert "TLSv1" in versions[0].evidence["accepted"] and "TLSv1.1" in versions[0].evidence["accepted"]
    assert versions[0].location is not None and versions[0].location.service == "https"
    assert ciphers[0].verdict is Verdict.FAIL
    assert "static RSA key exchange (no forward secrecy)" in ciphers[0].evidence["accepted"]
    assert ciphers[0].severity is Severity.MEDIUM


def test_null_cipher_is_critical(good_cert: peers.Pem) -> None:
    ctx = peers.server_context(
        good_cert, ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0", max12=True
    )
    with peers.tls_echo_server(ctx) as port:
        findings = run(TlsWeakCiphersCheck, host_for(port))
    assert findings[0].verdict is Verdict.FAIL
    assert findings[0].severity is Severity.CRITICAL
    assert "NULL" in findings[0].evidence["accepted"]


@pytest.mark.parametrize(
    ("label", "kwargs", "expect"),
    [
        ("expired", {"days": (-400, -30)}, "expired"),
        ("future", {"days": (30, 400)}, "not valid before"),
        ("rsa1024", {"key": "rsa1024"}, "RSA key below 2048"),
    ],
)
def test_bad_certificates_fail(certdir: Path, label: str, kwargs: dict[str, object], expect: str) -> None:
    if kwargs.get("key") == "rsa1024":
        kwargs["key"] = peers.rsa_key(1024)
    pem = peers.make_cert(certdir, label, **kwargs)  # type: ignore[arg-type]
    with peers.tls_echo_server(peers.server_context(pem, legacy=True)) as port:
        findings = run(TlsCertificateCheck, host_for(port))
    assert [f.verdict for f in findings] == [Verdict.FAIL]
    assert expect in findings[0].message


def test_small_curve_is_a_key_problem(certdir: Path) -> None:
    # No TLS stack here negotiates P-192 any more, so this rule is exercised on the parsed certificate.
    from cryptography import x509

    pem = peers.make_cert(certdir, "p192", key=ec.generate_private_key(ec.SECP192R1()))
    desc, problem = key_problem(x509.load_pem_x509_certificate(pem.cert.read_bytes()))
    assert desc == "EC secp192r1"
    assert problem == "EC key below 256 bits"


def test_broken_chain_fails(certdir: Path) -> None:
    a = peers.make_cert(certdir, "chain-a")
    b = peers.make_cert(certdir, "chain-b")
    # leaf of A followed by the CA of B: the link does not verify
    mixed = certdir / "mixed.crt"
    mixed.write_text(a.cert.read_text() + b.chain.read_text().split("-----END CERTIFICATE-----\n", 1)[1])
    pem = peers.Pem(a.cert, a.key, mixed)
    with peers.tls_echo_server(peers.server_context(pem)) as port:
        findings = run(TlsCertificateCheck, host_for(port))
    assert findings[0].verdict is Verdict.FAIL
    assert "not issued by the next certificate" in findings[0].message


def test_mutual_tls_server_counts_versions_it_negotiates(good_cert: peers.Pem) -> None:
    ctx = peers.server_context(good_cert, legacy=True, require_client=True)
    with peers.tls_echo_server(ctx) as port:
        host = host_for(port)
        findings = run(TlsVersionsCheck, host)
        svc = host.service(port)
    assert svc.tls and svc.evidence["client_auth"] is True
    assert findings[0].verdict is Verdict.FAIL
    assert "TLSv1" in findings[0].evidence["accepted"]


def test_no_tls_service_is_not_applicable() -> None:
    with peers.http_server(peers.WebApp()) as port:
        host = host_for(port)
        assert [f.verdict for f in run(TlsVersionsCheck, host)] == [Verdict.NOT_APPLICABLE]
        assert [f.verdict for f in run(TlsCertificateCheck, host)] == [Verdict.NOT_APPLICABLE]

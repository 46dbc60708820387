"""Certificate discovery: PEM anywhere, DER by name, trust stores told apart, hostile input bounded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from securable.assess.facts.certificates import CERTIFICATES, read_certificates
from securable.assess.model import FileKind, ImageFile
from tests.assess.firmware.cert_builders import bundle, legacy_signed, make_certificate


def test_pem_certificate_details() -> None:
    [cert] = read_certificates("/etc/device.pem", make_certificate("device-1", key="rsa2048", days=30))
    assert cert.subject == "CN=device-1" and cert.issuer == "CN=device-1" and cert.self_signed
    assert (cert.key_type, cert.key_bits, cert.signature_hash) == ("RSA", 2048, "sha256")
    assert not cert.trust_store and cert.weaknesses() == ()
    assert cert.not_after - cert.not_before == dt.timedelta(days=30)


def test_pem_inside_a_binary_is_found_and_header_strings_are_not() -> None:
    pem = make_certificate("embedded", issuer_key="ec")
    blob = b"\x7fELF\0\0-----BEGIN CERTIFICATE-----\0" + b"\0" * 100 + pem + b"\0trailer"
    [cert] = read_certificates("/usr/bin/cloudd", blob)
    assert cert.subject == "CN=embedded" and cert.issuer == "CN=Fixture CA" and not cert.self_signed


def test_der_by_name_only() -> None:
    der = make_certificate("der-device", der=True)
    assert [c.encoding for c in read_certificates("/etc/ssl/private/device.der", der)] == ["der"]
    assert read_certificates("/etc/some.bin", der) == []


def test_weak_keys_and_signatures() -> None:
    [rsa1024] = read_certificates("/a.pem", make_certificate("a", key="rsa1024"))
    [dsa] = read_certificates("/b.pem", make_certificate("b", key="dsa"))
    [sha1] = read_certificates("/c.pem", legacy_signed("c", "sha1"))
    [md5] = read_certificates("/d.pem", legacy_signed("d", "md5"))
    assert "RSA key of 1024 bits" in rsa1024.weaknesses()[0]
    assert dsa.weaknesses()[0].startswith("DSA key")
    assert sha1.signature_hash == "sha1" and "SHA1" in sha1.weaknesses()[0]
    assert md5.signature_hash == "md5" and "MD5" in md5.weaknesses()[0]


def test_expiry() -> None:
    [old] = read_certificates("/a.pem", make_certificate("old", starts=-100, days=50))
    assert old.expired(dt.datetime.now(dt.UTC))


def test_bundles_and_ca_directories_are_trust_stores() -> None:
    assert all(c.trust_store for c in read_certificates("/etc/vendor/roots.pem", bundle(5)))
    assert all(c.trust_store for c in read_certificates("/etc/ssl/certs/one.pem", make_certificate("x")))
    assert not any(c.trust_store for c in read_certificates("/etc/vendor/pair.pem", bundle(2)))


def test_debian_ca_bundle_is_a_trust_store() -> None:
    path = Path("/etc/ssl/certs/ca-certificates.crt")
    if not path.exists():
        pytest.skip("ca-certificates is not installed")
    certs = read_certificates("/etc/ssl/certs/ca-certificates.crt", path.read_bytes())
    assert len(certs) > 100 and all(c.trust_store for c in certs)


def test_corrupt_pem_is_skipped() -> None:
    pem = make_certificate("x", digest=hashes.SHA256())
    broken = pem.replace(b"\nM", b"\n!", 1)
    assert CERTIFICATES.scan(_entry("/x.pem", broken), broken) == []


def test_many_certificates_are_capped() -> None:
    one = make_certificate("flood")
    assert len(read_certificates("/flood.pem", one * 1200)) == 1000


def _entry(path: str, data: bytes) -> ImageFile:
    return ImageFile(path, FileKind.FILE, 0o644, len(data))

"""RFC 9116 reading: required fields, dates, Canonical, https, and the OpenPGP-signed form (signed and
verified with GnuPG in a temporary home, when it is installed)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from securable.assess.targets.web import parse_security_txt

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
URL = "https://example.com/.well-known/security.txt"
GOOD = (
    "# our contacts\n"
    "Contact: mailto:security@example.com\n"
    "Contact: https://example.com/report\n"
    "Expires: 2027-06-30T00:00:00Z\n"
    "Policy: https://example.com/policy\n"
    f"Canonical: {URL}\n"
    "Preferred-Languages: en, de\n"
)


def test_a_complete_file_is_valid() -> None:
    txt = parse_security_txt(GOOD, URL, now=NOW)
    assert txt.valid, txt.problems
    assert txt.values("contact") == ["mailto:security@example.com", "https://example.com/report"]
    assert txt.expires == dt.datetime(2027, 6, 30, tzinfo=dt.UTC)
    assert txt.signature == "unsigned" and not txt.signed


@pytest.mark.parametrize(
    ("text", "url", "problem"),
    [
        ("Expires: 2027-01-01T00:00:00Z\n", URL, "no Contact field"),
        ("Contact: mailto:a@example.com\n", URL, "no Expires field"),
        ("Contact: mailto:a@example.com\nExpires: 2026-01-01T00:00:00Z\n", URL, "expired on 2026-01-01"),
        ("Contact: mailto:a@example.com\nExpires: 2029-01-01T00:00:00Z\n", URL, "more than a year ahead"),
        ("Contact: mailto:a@example.com\nExpires: 2027-01-01\n", URL, "not an RFC 3339 date-time"),
        (
            "Contact: mailto:a@example.com\nExpires: 2027-01-01T00:00:00Z\nExpires: 2027-02-01T00:00:00Z\n",
            URL,
            "Expires appears 2 times",
        ),
        (GOOD, "https://www.example.com/.well-known/security.txt", "but the file was fetched from"),
        (GOOD, "http://example.com/.well-known/security.txt", "served over plain http"),
        (GOOD.replace("https://example.com/report", "http://example.com/report"), URL, "plain http URI"),
        (GOOD + "this is not a field\n", URL, "is neither a field"),
        (GOOD + "Preferred-Languages: fr\n", URL, "Preferred-Languages appears more than once"),
    ],
)
def test_each_rfc_rule_is_a_problem(text: str, url: str, problem: str) -> None:
    txt = parse_security_txt(text, url, now=NOW)
    assert any(problem in p for p in txt.problems), txt.problems


def test_a_signed_file_without_its_signature_block_is_a_problem() -> None:
    text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + GOOD
    txt = parse_security_txt(text, URL, now=NOW)
    assert txt.signed and txt.signature == "malformed"
    assert any("no complete signature block" in p for p in txt.problems)


GPG = shutil.which("gpg")


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(GnuPG home with a fresh Ed25519 signing key, its exported public key)."""
    if GPG is None or shutil.which("gpgv") is None:
        pytest.skip("GnuPG (gpg, gpgv) is not installed")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        [GPG, "--batch", "--passphrase", "", "--quick-gen-key", "PSIRT <psirt@example.com>", "ed25519",
         "sign", "1d"],
        env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    public = home / "public.asc"
    exported = subprocess.run(
        [GPG, "--batch", "--armor", "--export"], env=env, check=True, capture_output=True, timeout=30
    )
    public.write_bytes(exported.stdout)
    return home, public


def clearsign(home: Path, text: str) -> str:
    done = subprocess.run(
        [GPG, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--clearsign"],  # type: ignore[list-item]
        input=text.encode(), env={**os.environ, "GNUPGHOME": str(home)}, check=True, capture_output=True,
        timeout=30,
    )  # fmt: skip
    return done.stdout.decode()


def test_signed_file_is_parsed_and_verified_only_with_a_key(signer: tuple[Path, Path]) -> None:
    home, public = signer
    # a line starting with "-" is dash-escaped in the signed form and must come back unescaped
    signed = clearsign(home, GOOD + "-Comment-Like: x\n")
    assert "\n- -Comment-Like" in signed
    unverified = parse_security_txt(signed, URL, now=NOW)
    assert unverified.signed and unverified.valid, unverified.problems
    assert unverified.signature == "not verified (no OpenPGP key given)"
    assert unverified.values("-comment-like") == ["x"]  # unescaped, read as written
    assert len(unverified.values("contact")) == 2
    verified = parse_security_txt(signed, URL, now=NOW, key=public)
    assert verified.signature == "verified" and verified.valid


def test_a_tampered_signed_file_fails_verification(signer: tuple[Path, Path]) -> None:
    home, public = signer
    signed = clearsign(home, GOOD)
    tampered = signed.replace("mailto:security@example.com", "mailto:attacker@example.net")
    txt = parse_security_txt(tampered, URL, now=NOW, key=public)
    assert txt.signature == "invalid signature"
    assert any("does not verify" in p for p in txt.problems)


def test_an_unreadable_key_says_so(tmp_path: Path) -> None:
    signed = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        + GOOD
        + ("-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n")
    )
    txt = parse_security_txt(signed, URL, now=NOW, key=tmp_path / "missing.asc")
    assert txt.signature.startswith("not verified")


def test_a_hostile_file_cannot_flood_the_evidence() -> None:
    flood = GOOD + "".join(f"X-{n}: {'v' * 2000}\n" for n in range(200)) + "garbage line\n" * 5000
    txt = parse_security_txt(flood, URL, now=NOW)
    assert len(txt.fields) <= 50 and all(len(v) <= 500 for vs in txt.fields.values() for v in vs)
    assert len(txt.problems) == 11 and "4990 more lines" in txt.problems[-1]
    assert txt.values("contact")  # the real fields, first in the file, are kept

"""Pass and fail fixtures for the baked-secret checks (keys, host keys, tokens)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from securable.assess.checks.firmware.secrets_private_keys import PrivateKeysCheck
from securable.assess.checks.firmware.secrets_ssh_host_keys import SshHostKeysCheck
from securable.assess.checks.firmware.secrets_tokens import BakedCredentialsCheck
from securable.assess.facts.secrets import scan_file
from securable.assess.model import Verdict

AWS_KEY = "AKIA" + "Z7QXWERTYUIOPLKJ"
GH_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def _pem(kind: str) -> bytes:
    if kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    if kind == "pkcs8":
        key8 = ec.generate_private_key(ec.SECP256R1())
        return key8.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    key_ssh = ed25519.Ed25519PrivateKey.generate()
    return key_ssh.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )


def _verdicts(findings):  # type: ignore[no-untyped-def]
    return [f.verdict for f in findings]


def test_private_keys_in_files_and_binaries_fail(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/app/device.key", _pem("rsa"))
    rootfs.write("/opt/app/cloud.pem", _pem("pkcs8"))
    rootfs.write("/usr/bin/agent", b"\x7fELF\0\0junk" + _pem("openssh") + b"\0more")
    findings = list(PrivateKeysCheck().evaluate(rootfs.image()))
    fails = {f.location.path: f for f in findings if f.verdict is Verdict.FAIL and f.location}
    assert set(fails) == {"/etc/app/device.key", "/opt/app/cloud.pem", "/usr/bin/agent"}
    assert fails["/etc/app/device.key"].evidence["algorithm"] == "RSA"
    assert fails["/opt/app/cloud.pem"].evidence["algorithm"] == "EC"
    assert fails["/usr/bin/agent"].evidence["algorithm"] == "Ed25519"
    assert "BEGIN" not in str([f.evidence for f in findings])


def test_header_string_alone_and_certificates_pass(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/usr/lib/libcrypto.so", b"\0-----BEGIN RSA PRIVATE KEY-----\0%s\0ANY PRIVATE KEY\0")
    rootfs.write("/etc/ssl/certs/ca.pem", b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert _verdicts(PrivateKeysCheck().evaluate(rootfs.image())) == [Verdict.PASS]


def test_ssh_host_keys_fail_and_absent_pass(rootfs, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/ssh/sshd_config", "PermitRootLogin no\n")
    rootfs.write("/etc/ssh/ssh_host_ed25519_key", _pem("openssh"), mode=0o600)
    rootfs.write("/etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA test\n")
    rootfs.write("/etc/dropbear/dropbear_rsa_host_key", b"\0\0\0\x07ssh-rsa binary")
    findings = list(SshHostKeysCheck().evaluate(rootfs.image()))
    fails = sorted(f.location.path for f in findings if f.verdict is Verdict.FAIL and f.location)
    assert fails == ["/etc/dropbear/dropbear_rsa_host_key", "/etc/ssh/ssh_host_ed25519_key"]
    assert any("fingerprint_spki_sha256" in f.evidence for f in findings)
    # the host key is not double-reported as a generic private key
    assert _verdicts(PrivateKeysCheck().evaluate(rootfs.image())) == [Verdict.PASS]
    clean = make_rootfs("clean")
    clean.write("/etc/ssh/sshd_config", "PermitRootLogin no\n")
    assert _verdicts(SshHostKeysCheck().evaluate(clean.image())) == [Verdict.PASS]
    none = make_rootfs("none")
    none.write("/etc/hostname", "x\n")
    assert _verdicts(SshHostKeysCheck().evaluate(none.image())) == [Verdict.NOT_APPLICABLE]


def test_tokens_and_password_assignments_fail_redacted(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/app/cloud.conf", f"region=eu\naws_access_key_id = {AWS_KEY}\n")
    rootfs.write("/usr/bin/uploader", b"\x7fELF\0" + GH_TOKEN.encode() + b"\0")
    rootfs.write("/etc/app/db.ini", "[db]\npassword = Zq8vL2!mW9x\nuser = app\n")
    rootfs.write("/etc/wpa_supplicant.conf", 'network={\n ssid="Factory"\n psk="Xk29fjQ8ee1R"\n}\n')
    findings = list(BakedCredentialsCheck().evaluate(rootfs.image()))
    fails = {
        (f.location.path, f.evidence["kind"]) for f in findings if f.verdict is Verdict.FAIL and f.location
    }
    assert ("/etc/app/cloud.conf", "aws-access-key") in fails
    assert ("/usr/bin/uploader", "github-token") in fails
    assert ("/etc/app/db.ini", "password-assignment") in fails
    assert ("/etc/wpa_supplicant.conf", "password-assignment") in fails
    text = str([f.to_json() for f in findings])
    assert AWS_KEY not in text and GH_TOKEN not in text and "Zq8vL2!mW9x" not in text
    line = next(f for f in findings if f.location and f.location.path == "/etc/app/db.ini")
    assert line.location is not None and line.location.line == 2


def test_placeholders_and_variables_pass(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write(
        "/etc/app/app.conf", "password = ${APP_PASSWORD}\ntoken=changeme\n# password = Zq8vL2!mW9x\n"
    )
    rootfs.write("/etc/app/run.sh", 'PASSWORD="$(cat /run/secret)"\n')
    assert _verdicts(BakedCredentialsCheck().evaluate(rootfs.image())) == [Verdict.PASS]


def test_hostile_long_line_is_bounded() -> None:
    data = b"password=" + b"a" * 2_000_000 + b"\n" + b"x" * 100 + b"AKIA" * 50_000
    hits = scan_file("/x", data)
    assert all(h.kind != "aws-access-key" for h in hits)

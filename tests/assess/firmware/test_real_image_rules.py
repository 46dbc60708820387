"""The rules that keep secret and vulnerability findings right on real distribution images."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from securable.assess.checks.firmware._keys import is_key
from securable.assess.facts import secrets
from securable.assess.facts.package_files import read_packaged_files, unchanged_owner
from securable.assess.facts.secrets import Prefilter, container_of, scan_file
from securable.assess.sbom import Inventory, debian_release, inventory
from securable.assess.vulndb import VulnDB
from tests.assess.firmware.conftest import RootFS


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# --- package-recorded checksums ---------------------------------------------------------------


def test_dpkg_md5sums_vouch_only_for_unchanged_files_and_follow_merged_usr(rootfs: RootFS) -> None:
    lib, tool = b"library bytes", b"tool bytes"
    rootfs.write("/usr/lib/libx.so.1", lib)
    rootfs.write("/usr/bin/tool", b"tool bytes, changed by the vendor")
    rootfs.write(
        "/var/lib/dpkg/info/libx1:amd64.md5sums",
        f"{_md5(lib)}  lib/libx.so.1\n{_md5(tool)}  usr/bin/tool\n",
    )
    image = rootfs.image()
    owner = image.unchanged_package("/usr/lib/libx.so.1")  # recorded as /lib/… before usr-merge
    assert owner is not None and owner.package == "libx1" and owner.manager == "dpkg"
    assert image.unchanged_package("/usr/bin/tool") is None  # content differs from the record
    assert image.unchanged_package("/etc/unknown") is None


def test_dpkg_and_opkg_conffiles_are_recorded_with_their_digest(rootfs: RootFS) -> None:
    conf, uci = b"[main]\n", b"config system\n"
    rootfs.write("/etc/app/app.conf", conf)
    rootfs.write("/etc/config/system", uci)
    rootfs.write(
        "/var/lib/dpkg/status",
        "Package: app\nStatus: install ok installed\nVersion: 1\n"
        f"Conffiles:\n /etc/app/app.conf {_md5(conf)}\n",
    )
    sha = hashlib.sha256(uci).hexdigest()
    rootfs.write(
        "/usr/lib/opkg/status",
        "Package: base-files\nVersion: 1\nStatus: install user installed\n"
        f"Conffiles:\n /etc/config/system {sha}\n",
    )
    image = rootfs.image()
    found = read_packaged_files(image)
    assert found["/etc/app/app.conf"].algorithm == "md5"
    assert found["/etc/config/system"].algorithm == "sha256" and found["/etc/config/system"].manager == "opkg"
    assert unchanged_owner(image, found, "/etc/app/app.conf") is not None
    assert unchanged_owner(image, found, "/etc/config/system") is not None


def test_apk_installed_database_checksums(rootfs: RootFS) -> None:
    data = b"busybox config"
    q1 = "Q1" + base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()
    rootfs.write("/etc/busybox.conf", data)
    rootfs.write("/lib/apk/db/installed", f"C:Q1abc\nP:busybox\nV:1.36\nF:etc\nR:busybox.conf\nZ:{q1}\n\n")
    owner = rootfs.image().unchanged_package("/etc/busybox.conf")
    assert owner is not None and (owner.package, owner.manager, owner.algorithm) == ("busybox", "apk", "sha1")


# --- what counts as a key ---------------------------------------------------------------------


def _pkcs8(encryption: serialization.KeySerializationEncryption) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def test_only_blocks_that_parse_or_have_a_keys_structure_are_keys() -> None:
    assert is_key(_pkcs8(serialization.NoEncryption()))
    assert is_key(_pkcs8(serialization.BestAvailableEncryption(b"pass phrase")))
    ssh = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(b"pass phrase"),
    )
    assert is_key(ssh)
    # header and footer text inside a program (a conversion tool's usage, a TLS library's strings)
    assert not is_key(b"-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----")
    assert not is_key(
        b"-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----"
    )
    assert not is_key(
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nnot base64 at all!\n-----END ENCRYPTED PRIVATE KEY-----"
    )


def test_pkcs8_keys_of_algorithms_pyca_does_not_load_count_by_structure() -> None:
    oid = bytes([0x06, 0x08, 0x2A, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x01])  # 1.2.643.7.1.1.1.1 (GOST)
    algorithm = bytes([0x30, len(oid)]) + oid
    secret = bytes([0x04, 0x22, 0x04, 0x20]) + bytes(range(32))
    inner = bytes([0x02, 0x01, 0x00]) + algorithm + secret
    der = bytes([0x30, len(inner)]) + inner
    pem = b"-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der) + b"\n-----END PRIVATE KEY-----\n"
    info: dict[str, object] = {}
    assert is_key(pem, info)
    assert info["algorithm"] == "unsupported by this tool (OID 1.2.643.7.1.1.1.1)"
    truncated = (
        b"-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der[:-5]) + b"\n-----END PRIVATE KEY-----\n"
    )
    assert not is_key(truncated)


def test_pgp_blocks_are_keys_only_with_a_secret_key_packet() -> None:
    def armored(body: bytes) -> bytes:
        return (
            b"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
            + base64.b64encode(body)
            + b"\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n"
        )

    assert is_key(armored(bytes([0xC5, 0x20]) + b"\x04" + b"\0" * 31))  # new-format tag 5
    assert is_key(armored(bytes([0x95, 0x01, 0x00]) + b"\x04" * 8))  # old-format tag 5
    assert not is_key(armored(bytes([0xC6, 0x20]) + b"\0" * 32))  # tag 6: a public key
    assert not is_key(b"-----BEGIN PGP PRIVATE KEY BLOCK-----\n-----END PGP PRIVATE KEY BLOCK-----\n")


def test_elf_container_is_named() -> None:
    def elf(e_type: int) -> bytes:
        return b"\x7fELF\x02\x01\x01" + b"\0" * 9 + e_type.to_bytes(2, "little") + b"\0" * 40

    assert container_of("/usr/lib/libgnutls.so.30", elf(3)) == "ELF shared library"
    assert container_of("/usr/bin/certtool", elf(3)) == "ELF executable"  # PIE
    assert container_of("/usr/bin/static", elf(2)) == "ELF executable"
    assert container_of("/etc/key.pem", b"-----BEGIN") == ""


# --- words that are not credentials -----------------------------------------------------------


def test_documentation_and_names_are_not_passwords_but_literal_values_are() -> None:
    lintian = b"passwd: elevated-privileges 4755 root/root [usr/bin/passwd]\n"
    assert scan_file("/usr/share/lintian/overrides/passwd", lintian) == []
    assert scan_file("/usr/share/doc/app/README", b"password = Zq8vL2mW9xRt\n") == []
    assert scan_file("/usr/share/locale/de/LC_MESSAGES/app.mo", b"password=Zq8vL2mW9xRt\n") == []
    assert scan_file("/etc/app.conf", b"password_policy: elevated-privileges\n") == []
    assert scan_file("/etc/app.conf", b"passwd_file = /etc/app/passwd.db\n") == []
    hits = scan_file("/etc/app.conf", b"[db]\nuser = app\n# password = Old0ne!x9\npassword = Zq8vL2mW9xRt\n")
    assert [(h.kind, h.line) for h in hits] == [("password-assignment", 4)]
    # tokens are found wherever they are, documentation included
    token = b"AKIA" + b"Z7QXWERTYUIOPLKJ"
    assert [h.kind for h in scan_file("/usr/share/doc/app/example", b"key " + token + b"\n")] == [
        "aws-access-key"
    ]


def test_prefilter_without_hyperscan_finds_the_same_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = {
        "/etc/a.conf": b"x\nPassWord = Zq8vL2mW9xRt\ntoken: 9fK2mQ7xLp3Z\n",
        "/usr/bin/b": b"\x7fELF\0\0ghp_" + b"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + b"\0",
        "/etc/c.pem": _pkcs8(serialization.NoEncryption()),
        "/etc/d": b"nothing here\n" * 100,
    }
    fast = {path: scan_file(path, data) for path, data in samples.items()}
    monkeypatch.setattr(secrets, "hyperscan", None)
    plain_text = Prefilter(secrets._BINARY_MARKERS, caseless=secrets._ASSIGNMENT_WORDS)
    plain_binary = Prefilter(secrets._BINARY_MARKERS)
    monkeypatch.setattr(secrets, "TEXT_PREFILTER", plain_text)
    monkeypatch.setattr(secrets, "BINARY_PREFILTER", plain_binary)
    slow = {path: scan_file(path, data) for path, data in samples.items()}
    assert slow == fast
    assert sum(len(h) for h in fast.values()) == 4


# --- the Debian release of Debian-derived images ----------------------------------------------


@pytest.mark.parametrize(
    ("os_release", "debian_version", "expected"),
    [
        ({"ID": "debian", "VERSION_ID": "12"}, "12.5", ("12", "/etc/debian_version")),
        ({"ID": "acmeos", "ID_LIKE": "debian", "VERSION_ID": "2.4.1"}, "11.9", ("11", "/etc/debian_version")),
        ({"ID": "debian"}, "trixie/sid", ("13", "/etc/debian_version")),
        ({"ID": "debian", "VERSION_ID": "12"}, "", ("12", "os-release VERSION_ID")),
        (
            {"ID": "acmeos", "ID_LIKE": "debian", "VERSION_ID": "2.4.1", "VERSION_CODENAME": "bookworm"},
            "",
            ("12", "os-release VERSION_CODENAME"),
        ),
        ({"ID": "acmeos", "ID_LIKE": "debian", "VERSION_ID": "2.4.1"}, "", ("", "")),
        ({"ID": "openwrt", "VERSION_ID": "23.05.2"}, "", ("", "")),
    ],
)
def test_debian_release(os_release: dict[str, str], debian_version: str, expected: tuple[str, str]) -> None:
    assert debian_release(os_release, debian_version) == expected


def _record(ecosystem: str) -> dict[str, object]:
    return {
        "id": f"DSA-{ecosystem}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": "openssl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1"}]}],
            }
        ],
    }


def test_vendor_version_id_does_not_stop_debian_matching(rootfs: RootFS) -> None:
    rootfs.write("/etc/os-release", 'ID=acmeos\nID_LIKE=debian\nVERSION_ID="2.4.1"\n')
    rootfs.write("/etc/debian_version", "12.5\n")
    rootfs.write("/var/lib/dpkg/status", "Package: openssl\nStatus: install ok installed\nVersion: 3.0.9-1\n")
    inv = inventory(rootfs.image())
    assert inv.debian_release == ("12", "/etc/debian_version")
    db = VulnDB([_record("Debian:12"), _record("Debian:11")], [])
    assert [m.id for m in db.match(inv)] == ["DSA-Debian:12"]
    # release unknown: every release's records apply rather than none
    unknown = Inventory(os_release={"ID": "acmeos", "VERSION_ID": "2.4.1"}, components=inv.components)
    assert sorted(m.id for m in db.match(unknown)) == ["DSA-Debian:11", "DSA-Debian:12"]
    assert [(c.name, c.ecosystem) for c in inv.components] == [("openssl", "deb")]


def test_credentials_in_unchanged_package_files_are_information_and_bounded(rootfs: RootFS) -> None:
    from securable.assess.checks.firmware.secrets_tokens import BakedCredentialsCheck
    from securable.assess.model import Verdict

    token = "AKIA" + "Z7QXWERTYUIOPLKJ"
    sums = []
    for index in range(BakedCredentialsCheck.max_findings + 5):
        data = f"# example from the upstream test suite\naws_access_key_id = {token}\n".encode()
        rootfs.write(f"/usr/lib/python3/dist-packages/sdk/tests/t{index}.ini", data)
        sums.append(f"{_md5(data)}  usr/lib/python3/dist-packages/sdk/tests/t{index}.ini")
    rootfs.write("/var/lib/dpkg/info/python3-sdk.md5sums", "\n".join(sums) + "\n")
    rootfs.write("/etc/app/cloud.conf", f"aws_access_key_id = {token}\n")  # the device maker's own
    findings = list(BakedCredentialsCheck().evaluate(rootfs.image()))
    fails = [f for f in findings if f.verdict is Verdict.FAIL]
    assert [f.location.path for f in fails if f.location] == ["/etc/app/cloud.conf"]
    packaged = [f for f in findings if f.verdict is Verdict.PASS and "package" in f.evidence]
    assert len(packaged) == BakedCredentialsCheck.max_findings
    assert all(f.evidence["package"] == "python3-sdk" for f in packaged)
    assert any(
        f.evidence.get("total_in_packages") == BakedCredentialsCheck.max_findings + 5 for f in findings
    )

"""Every firmware check through the real FirmwareImage target and the engine: a legacy image with
classic flaws fails each check; a clean image fails none."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from securable.assess.checks.firmware import _crypt
from securable.assess.engine import EngineOptions, run_assessment
from securable.assess.model import TargetKind, Verdict
from securable.assess.registry import checks_for
from securable.assess.targets import FirmwareImage
from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.conftest import RootFS
from tests.assess.firmware.elf_builders import HARDENED, UNHARDENED, compile_program
from tests.assess.firmware.kernel_builders import debian_config, with_options

PKG = "Package: openssl\nStatus: install ok installed\nVersion: {v}\nArchitecture: armhf\n"
OS_RELEASE = 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'


def _common(fs: RootFS, openssl: str) -> None:
    fs.write("/etc/os-release", OS_RELEASE)
    fs.write("/var/lib/dpkg/status", PKG.format(v=openssl))
    fs.write("/bin/ls", b"\x7fELF", mode=0o755)
    fs.write("/usr/bin/passwd", b"\x7fELF", mode=0o4755)


def build_legacy(fs: RootFS) -> None:
    _common(fs, "3.0.9-1")
    root_hash = _crypt.hash_password("admin", "$1$")
    fs.write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nguest::1000:1000::/home/guest:/bin/sh\n")
    fs.write("/etc/shadow", f"root:{root_hash}:19000:0:99999:7:::\n", mode=0o640)
    fs.write("/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh\n")
    fs.write("/etc/inetd.conf", "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n")
    fs.write("/etc/init.d/S90debug", "#!/bin/sh\ngdbserver --multi :2345 &\n", mode=0o777)
    fs.write("/etc/ssh/sshd_config", "PermitRootLogin yes\nPermitEmptyPasswords yes\n")
    fs.write(
        "/root/.ssh/authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIVendorKeyMaterial vendor@factory\n",
    )
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fs.write("/etc/ssh/ssh_host_ecdsa_key", key, mode=0o600)
    fs.write("/etc/cloud/device.pem", key)
    fs.write("/etc/cloud/uploader.conf", "aws_access_key_id = AKIAZ7QXWERTYUIOPLKJ\n")
    fs.write("/usr/sbin/fw-tool", b"\x7fELF", mode=0o4755)
    fs.write("/etc/opkg.conf", "src/gz base http://feed.example/base\noption check_signature 0\n")
    fs.write("/sbin/syslogd", b"\x7fELF", mode=0o755)
    fs.write("/etc/syslog.conf", "*.* /dev/null\n")
    compile_program(fs.path("/usr/sbin/telnetd"), UNHARDENED)  # started by inetd, no NX/PIE/RELRO
    expired_weak = make_certificate("Vendor Cloud CA", key="rsa1024", ca=True, starts=-800, days=730)
    fs.write("/etc/cloud/ca.crt", expired_weak)
    fs.write("/boot/config-6.1.0-legacy", debian_config())  # no forced module signatures, /proc/kcore


def build_clean(fs: RootFS) -> None:
    _common(fs, "3.0.11-1")
    fs.write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    fs.write("/etc/shadow", "root:!:19000:0:99999:7:::\n", mode=0o640)
    fs.write("/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n")
    fs.write("/etc/init.d/S50app", "#!/bin/sh\n/usr/bin/app --daemon\n", mode=0o755)
    fs.write("/etc/ssh/sshd_config", "PermitRootLogin prohibit-password\nPasswordAuthentication no\n")
    fs.write("/etc/tuf/root.json", json.dumps({"signed": {"_type": "root", "version": 1}, "signatures": []}))
    fs.write("/usr/sbin/rsyslogd", b"\x7fELF", mode=0o755)
    fs.write("/etc/rsyslog.conf", "auth,authpriv.* /var/log/auth.log\n")
    compile_program(fs.path("/usr/bin/app"), HARDENED)
    fs.write("/etc/app/device.crt", make_certificate("device-0001", days=3650))
    fs.write("/boot/config-6.1.0-clean", with_options(debian_config(), MODULE_SIG_FORCE="y", PROC_KCORE=None))


@pytest.fixture
def vulndb(tmp_path: Path) -> Path:
    folder = tmp_path / "osv"
    folder.mkdir()
    record = {
        "id": "DSA-9999-1",
        "aliases": ["CVE-2099-0001"],
        "affected": [
            {
                "package": {"ecosystem": "Debian:12", "name": "openssl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1"}]}],
            }
        ],
    }
    (folder / "DSA-9999-1.json").write_text(json.dumps(record))
    return folder


def _run(image: FirmwareImage, vulndb: Path):  # type: ignore[no-untyped-def]
    checks = checks_for([TargetKind.FIRMWARE])
    return run_assessment({TargetKind.FIRMWARE: image}, checks, options=EngineOptions(vulndb=vulndb))


@pytest.mark.integration
def test_legacy_tar_image_fails_every_check(tmp_path: Path, vulndb: Path) -> None:
    fs = RootFS(tmp_path / "legacy")
    build_legacy(fs)
    archive = tmp_path / "legacy.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(fs.root, arcname=".")
    with FirmwareImage.open(archive) as image:
        result = _run(image, vulndb)
    failing = {f.check for f in result.findings if f.verdict is Verdict.FAIL}
    errors = [f for f in result.findings if f.verdict is Verdict.ERROR]
    assert not errors, errors
    expected = {c.id for c in checks_for([TargetKind.FIRMWARE])} - {"fw.sbom.inventory"}
    assert expected - failing == set()
    paths = {f.location.path for f in result.findings if f.verdict is Verdict.FAIL and f.location}
    assert {"/etc/shadow", "/etc/inetd.conf", "/etc/ssh/ssh_host_ecdsa_key", "/var/lib/dpkg/status"} <= paths
    assert "AKIAZ7QXWERTYUIOPLKJ" not in json.dumps([f.to_json() for f in result.findings])


@pytest.mark.integration
def test_clean_directory_image_has_no_fail(tmp_path: Path, vulndb: Path) -> None:
    fs = RootFS(tmp_path / "clean")
    build_clean(fs)
    with FirmwareImage.open(fs.root) as image:
        result = _run(image, vulndb)
    bad = [f.to_json() for f in result.findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)]
    assert bad == []
    by_check = {f.check: f.verdict for f in result.findings}
    assert by_check["fw.sbom.known-vulnerabilities"] is Verdict.PASS
    assert by_check["fw.credentials.empty-password"] is Verdict.PASS
    for check in ("fw.hardening.binaries", "fw.certificates.validity", "fw.kernel.hardening-config"):
        assert by_check[check] is Verdict.PASS, check


@pytest.mark.integration
def test_hostile_image_neither_escapes_nor_hangs(tmp_path: Path) -> None:
    fs = RootFS(tmp_path / "hostile")
    fs.write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    fs.symlink("/etc/shadow", "../../../../../../etc/shadow")  # must not reach the host's shadow
    fs.symlink("/etc/ssh/sshd_config", "/proc/self/environ")
    fs.symlink("/etc/rsyslog.conf", "/etc/rsyslog.conf")  # a loop
    with (fs.mkdir("/var/data") / "huge.img").open("wb") as handle:
        handle.truncate(20 * 1024**3)  # sparse 20 GiB
    os.mkfifo(fs.mkdir("/etc/init.d") / "S10fifo")
    fs.write("/etc/<script>alert(1)</script>.conf", "password = Zq8vL2!mW9xR\n")
    (fs.mkdir("/etc/bad") / os.fsdecode(b"\xff\xfename.conf")).write_bytes(b"token = Yy7uT6rR5eE4\n")
    with FirmwareImage.open(fs.root) as image:
        result = run_assessment({TargetKind.FIRMWARE: image}, checks_for([TargetKind.FIRMWARE]))
    assert [f for f in result.findings if f.verdict is Verdict.ERROR] == []
    by_check: dict[str, set[Verdict]] = {}
    for finding in result.findings:
        by_check.setdefault(finding.check, set()).add(finding.verdict)
    # the shadow link resolves inside the image (to nothing): root's password stays unknown
    assert by_check["fw.credentials.weak-hash"] == {Verdict.NOT_APPLICABLE}
    secrets = [
        f for f in result.findings if f.check == "fw.secrets.credentials" and f.verdict is Verdict.FAIL
    ]
    assert len(secrets) == 2


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("mksquashfs") is None, reason="squashfs-tools not installed")
def test_legacy_squashfs_image_fails(tmp_path: Path, vulndb: Path) -> None:
    fs = RootFS(tmp_path / "legacy")
    build_legacy(fs)
    image_path = tmp_path / "legacy.squashfs"
    subprocess.run(
        ["mksquashfs", str(fs.root), str(image_path), "-comp", "gzip", "-quiet", "-no-progress"],
        check=True,
        capture_output=True,
    )
    with FirmwareImage.open(image_path) as image:
        result = _run(image, vulndb)
    failing = {f.check for f in result.findings if f.verdict is Verdict.FAIL}
    assert {
        "fw.credentials.default-password",
        "fw.services.remote-shell",
        "fw.secrets.ssh-host-keys",
    } <= failing

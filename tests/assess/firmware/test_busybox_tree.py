"""A BusyBox device tree (Debian's real busybox-static, applet links, Alpine-style apk database).

Built once and cached (``tests/realroots.py``). The tree as built is a carefully configured small
device — root locked, a login prompt on the serial console, syslogd started — so no FAIL may
remain; then copies of it (the tree is about 2 MB) get one planted flaw each, which must be found.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from securable.assess.engine import run_assessment
from securable.assess.facts import FirmwareView
from securable.assess.model import Finding, TargetKind, Verdict
from securable.assess.registry import checks_for
from securable.assess.targets import FirmwareImage
from tests.realroots import RootfsUnavailable, busybox_tree

pytestmark = [pytest.mark.slow, pytest.mark.integration]

#: Verdicts that are not FAILs but say something is missing, each with why.
EXPECTED_INCONCLUSIVE = {
    # BusyBox has no update client; how updates arrive must come from the declaration.
    "fw.update.signature-verification",
    # the apk database is read for package checksums, not yet for the inventory; BusyBox itself is
    # identified from its binary (fw.sbom.inventory passes), but no --vulndb is given to match it.
    "fw.sbom.known-vulnerabilities",
    # no program of the tree is tied to the network (syslogd/klogd serve the device itself, getty
    # the console), so hardening cannot be judged on exposure; no kernel configuration is kept.
    "fw.hardening.binaries",
    "fw.kernel.hardening-config",
}


@pytest.fixture(scope="module")
def busybox_root() -> Path:
    try:
        return busybox_tree()
    except RootfsUnavailable as exc:
        pytest.skip(str(exc))


def _assess(root: Path) -> list[Finding]:
    with FirmwareImage.open(root) as image:
        return list(run_assessment({TargetKind.FIRMWARE: image}, checks_for([TargetKind.FIRMWARE])).findings)


def _key() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _copy(root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "rootfs"
    shutil.copytree(root, copy, symlinks=True)
    return copy


def test_the_tree_as_built_has_no_fail(busybox_root: Path) -> None:
    findings = _assess(busybox_root)
    assert not [f"{f.check}: {f.message}" for f in findings if f.verdict in (Verdict.FAIL, Verdict.ERROR)]
    inconclusive = {f.check for f in findings if f.verdict is Verdict.INCONCLUSIVE}
    assert inconclusive == EXPECTED_INCONCLUSIVE
    inventory = [f for f in findings if f.check == "fw.sbom.inventory"]
    assert [f.verdict for f in inventory] == [Verdict.PASS]
    assert "busybox" in str(inventory[0].evidence).lower()
    serial = [f for f in findings if f.check == "fw.services.serial-console"]
    assert [f.verdict for f in serial] == [Verdict.PASS]  # getty asks for a login on ttyS0


def test_the_apk_database_vouches_for_the_busybox_binary(busybox_root: Path) -> None:
    with FirmwareImage.open(busybox_root) as image:
        owner = FirmwareView(image).unchanged_package("/bin/busybox")
    assert owner is not None and (owner.package, owner.manager) == ("busybox", "apk")


def test_a_key_appended_to_the_packaged_binary_fails_unless_the_package_shipped_it(
    busybox_root: Path, tmp_path: Path
) -> None:
    root = _copy(busybox_root, tmp_path)
    binary = root / "bin/busybox"
    binary.write_bytes(binary.read_bytes() + b"\0" + _key())  # changed after installation
    fails = [f for f in _assess(root) if f.verdict is Verdict.FAIL]
    assert [(f.check, f.location.path if f.location else "") for f in fails] == [
        ("fw.secrets.private-keys", "/bin/busybox")
    ]
    assert "embedded in an ELF executable" in fails[0].message
    # the same bytes as the package recorded them: the key is the package's, information only
    installed = root / "lib/apk/db/installed"
    digest = base64.b64encode(hashlib.sha1(binary.read_bytes(), usedforsecurity=False).digest()).decode()
    text = installed.read_text()
    installed.write_text(text[: text.index("Z:Q1")] + f"Z:Q1{digest}\n\n")
    keys = [f for f in _assess(root) if f.check == "fw.secrets.private-keys"]
    assert [f.verdict for f in keys] == [Verdict.PASS, Verdict.PASS]
    assert keys[0].evidence["package"] == "busybox" and keys[0].evidence["package_manager"] == "apk"


def test_a_shell_on_the_serial_console_and_a_vendor_key_are_found(busybox_root: Path, tmp_path: Path) -> None:
    root = _copy(busybox_root, tmp_path)
    inittab = root / "etc/inittab"
    inittab.write_text(inittab.read_text().replace("/sbin/getty -L 115200 ttyS0 vt100", "-/bin/sh"))
    (root / "etc/ssl/private").mkdir(parents=True)
    (root / "etc/ssl/private/device.key").write_bytes(_key())
    fails = {
        (f.check, f.location.path if f.location else "") for f in _assess(root) if f.verdict is Verdict.FAIL
    }
    assert fails == {
        ("fw.services.serial-console", "/etc/inittab"),
        ("fw.secrets.private-keys", "/etc/ssl/private/device.key"),
    }

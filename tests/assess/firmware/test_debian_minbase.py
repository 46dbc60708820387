"""A real Debian bookworm minbase root filesystem, assessed as a device maker's image would be.

The tree is built with debootstrap from the machine's apt mirror and cached
(``tests/realroots.py``); the first run takes a minute or two, later runs seconds. Every FAIL
that remains is listed below with why a security engineer would agree with it; anything else
failing is a false positive this test exists to catch (it once reported 16 false FAILs: the
self-test keys inside ``libgnutls.so`` and the word ``passwd`` in a lintian override).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from securable.assess.engine import run_assessment
from securable.assess.facts import FirmwareView
from securable.assess.model import Finding, TargetKind, Verdict
from securable.assess.registry import checks_for
from securable.assess.targets import FirmwareImage
from tests.realroots import RootfsUnavailable, debian_minbase

pytestmark = [pytest.mark.slow, pytest.mark.integration]

#: (check, location) of every FAIL a Debian minbase image deserves, and why.
EXPECTED_FAILS = {
    # minbase installs no syslog daemon, no journald (no systemd) and no auditd: security events
    # of this image would be recorded nowhere — a real gap for a device built on it.
    ("fw.logging.security-log", "/sbin/syslogd"): "no logging daemon in a minbase tree",
}


@pytest.fixture(scope="module")
def debian_root() -> Path:
    try:
        return debian_minbase()
    except RootfsUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def findings(debian_root: Path) -> Iterator[list[Finding]]:
    with FirmwareImage.open(debian_root) as image:
        result = run_assessment({TargetKind.FIRMWARE: image}, checks_for([TargetKind.FIRMWARE]))
        yield list(result.findings)


def test_only_justified_fails_remain(findings: list[Finding]) -> None:
    fails = {(f.check, f.location.path if f.location else "") for f in findings if f.verdict is Verdict.FAIL}
    assert fails == set(EXPECTED_FAILS), [
        f"{f.check} {f.location}: {f.message}" for f in findings if f.verdict is Verdict.FAIL
    ]
    assert not [f for f in findings if f.verdict is Verdict.ERROR]


def test_gnutls_self_test_keys_are_the_packages(findings: list[Finding]) -> None:
    keys = [
        f
        for f in findings
        if f.check == "fw.secrets.private-keys" and f.location and "libgnutls" in f.location.path
    ]
    assert keys, "the self-test keys in libgnutls.so are still seen (as information)"
    for finding in keys:
        assert finding.verdict is Verdict.PASS
        assert finding.evidence["package"] == "libgnutls30"
        assert finding.evidence["container"] == "ELF shared library"
        # loaded by pyca, or (GOST keys pyca does not know) a well-formed PKCS#8 structure
        assert finding.evidence["parsed"] is True or "OID 1.2.643" in finding.evidence["algorithm"]
        assert "md5 matches /var/lib/dpkg/info/libgnutls30" in finding.evidence["checksum"]


def test_no_credential_found_in_documentation_or_overrides(findings: list[Finding]) -> None:
    credentials = [f for f in findings if f.check == "fw.secrets.credentials"]
    assert [f.verdict for f in credentials] == [Verdict.PASS]


def test_debian_release_and_inventory(debian_root: Path) -> None:
    with FirmwareImage.open(debian_root) as image:
        view = FirmwareView(image)
        inv = view.packages
        assert inv.debian_release == ("12", "/etc/debian_version")
        names = {c.name for c in inv.components}
        assert {"libc6", "libgnutls30", "passwd", "dpkg", "apt"} <= names
        # every dpkg-installed file with a recorded checksum is known, merged-/usr aliases included
        assert view.unchanged_package("/usr/bin/passwd") is not None
        (libc,) = [e.path for e in view.glob("/usr/lib/*/libc.so.6")]  # the host's architecture
        assert view.unchanged_package(libc) is not None

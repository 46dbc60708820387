"""SBOM inventory (validated by CycloneDX's own validator) and offline OSV matching per ecosystem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from securable.assess.checks.firmware.sbom_inventory import SbomInventoryCheck
from securable.assess.checks.firmware.sbom_vulnerabilities import KnownVulnerabilitiesCheck
from securable.assess.model import AssessmentContext, Verdict
from securable.assess.sbom import inventory, to_cyclonedx_json
from securable.assess.vulndb import VulnDB
from securable.errors import VulnDBError

DPKG = """Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.9-1

Package: openssl
Status: install ok installed
Architecture: amd64
Version: 3.0.9-1

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib (1:1.2.13.dfsg-1)
Version: 1:1.2.13.dfsg-1

Package: removed-pkg
Status: deinstall ok config-files
Version: 1.0
"""
OPKG = "Package: busybox\nVersion: 1.36.1-r2\nStatus: install user installed\nArchitecture: mips_24kc\n"
METADATA = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\nSummary: x\n"
OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
)


def _osv(vid: str, ecosystem: str, name: str, events: list[dict[str, str]], kind: str = "ECOSYSTEM") -> dict:  # type: ignore[type-arg]
    return {
        "id": vid,
        "aliases": [f"CVE-2099-{vid[-4:]}"],
        "summary": f"{name} issue",
        "affected": [
            {"package": {"ecosystem": ecosystem, "name": name}, "ranges": [{"type": kind, "events": events}]}
        ],
    }


@pytest.fixture
def image(rootfs):  # type: ignore[no-untyped-def]
    rootfs.write("/var/lib/dpkg/status", DPKG)
    rootfs.write("/usr/lib/opkg/status", OPKG)
    rootfs.write("/usr/lib/python3.11/site-packages/Jinja2-3.1.2.dist-info/METADATA", METADATA)
    rootfs.write("/etc/os-release", OS_RELEASE)
    return rootfs.image()


@pytest.fixture
def vulndb(tmp_path: Path) -> Path:
    folder = tmp_path / "osv"
    (folder / "debian").mkdir(parents=True)
    records = {
        # string order would say 3.0.9 > 3.0.11 (not affected); Debian order says affected
        "debian/DSA-0001.json": _osv(
            "DSA-0001", "Debian:12", "openssl", [{"introduced": "0"}, {"fixed": "3.0.11-1"}]
        ),
        "debian/DSA-0002.json": _osv(
            "DSA-0002", "Debian:11", "openssl", [{"introduced": "0"}, {"fixed": "9.9"}]
        ),
        # epoch: 1:1.2.13 is newer than 1.2.99, so not affected
        "debian/DSA-0003.json": _osv(
            "DSA-0003", "Debian:12", "zlib", [{"introduced": "0"}, {"fixed": "1.2.99-1"}]
        ),
        "OWRT-0004.json": _osv(
            "OWRT-0004", "OpenWrt", "busybox", [{"introduced": "1.30"}, {"last_affected": "1.36.1-r2"}]
        ),
        # PEP 440: 3.1.2 < 3.1.10
        "PYSEC-0005.json": _osv("PYSEC-0005", "PyPI", "jinja2", [{"introduced": "0"}, {"fixed": "3.1.10"}]),
        "PYSEC-0006.json": _osv("PYSEC-0006", "PyPI", "jinja2", [{"introduced": "3.1.3"}]),
        "notes.json": {"hello": "not an OSV record"},
    }
    for name, record in records.items():
        (folder / name).write_text(json.dumps(record))
    (folder / "broken.json").write_text("{not json")
    return folder


def test_inventory_reads_every_source(image) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(image)
    names = {(c.ecosystem, c.name, c.version) for c in inv.components}
    assert names == {
        ("deb", "libssl3", "3.0.9-1"),
        ("deb", "openssl", "3.0.9-1"),
        ("deb", "zlib1g", "1:1.2.13.dfsg-1"),
        ("opkg", "busybox", "1.36.1-r2"),
        ("pypi", "Jinja2", "3.1.2"),
    }
    libssl = next(c for c in inv.components if c.name == "libssl3")
    assert (
        libssl.source_name == "openssl"
        and libssl.purl.to_string() == "pkg:deb/debian/libssl3@3.0.9-1?arch=amd64"
    )
    assert inv.os_id == "debian" and inv.os_version == "12"


def test_cyclonedx_output_validates(image) -> None:  # type: ignore[no-untyped-def]
    text = to_cyclonedx_json(inventory(image))
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6" and len(doc["components"]) == 5
    finding = next(iter(SbomInventoryCheck().evaluate(image)))
    assert finding.verdict is Verdict.PASS and finding.evidence["cyclonedx"]["specVersion"] == "1.6"


def test_matching_is_version_correct_per_ecosystem(image, vulndb: Path) -> None:  # type: ignore[no-untyped-def]
    db = VulnDB.load(vulndb)
    assert len(db.skipped) == 2
    hits = {(m.component.name, m.id) for m in db.match(inventory(image))}
    assert hits == {
        ("libssl3", "DSA-0001"),
        ("openssl", "DSA-0001"),
        ("busybox", "OWRT-0004"),
        ("Jinja2", "PYSEC-0005"),
    }


def test_semver_and_explicit_versions() -> None:
    from securable.assess.sbom import Component

    db = VulnDB(
        [
            _osv(
                "GHSA-0007", "PyPI", "pkg", [{"introduced": "1.0.0-rc.1"}, {"fixed": "1.0.0"}], kind="SEMVER"
            ),
            {
                "id": "X-8",
                "affected": [{"package": {"ecosystem": "PyPI", "name": "other"}, "versions": ["2.0"]}],
            },
        ]
    )
    rc = Component("pkg", "1.0.0-rc.2", "pypi", "/m")
    final = Component("pkg", "1.0.0", "pypi", "/m")
    assert [m.id for m in db.match_component(rc)] == ["GHSA-0007"]
    assert db.match_component(final) == []
    assert [m.id for m in db.match_component(Component("other", "2.0", "pypi", "/m"))] == ["X-8"]


def test_check_fails_per_affected_component(image, vulndb: Path) -> None:  # type: ignore[no-untyped-def]
    check = KnownVulnerabilitiesCheck()
    check.context = AssessmentContext(profile="nistir8425", vulndb=vulndb)
    fails = [f for f in check.evaluate(image) if f.verdict is Verdict.FAIL]
    assert len(fails) == 4
    paths = {f.location.path for f in fails if f.location}
    assert paths == {
        "/var/lib/dpkg/status",
        "/usr/lib/opkg/status",
        "/usr/lib/python3.11/site-packages/Jinja2-3.1.2.dist-info/METADATA",
    }
    assert any(f.evidence["aliases"] == ["CVE-2099-0001"] for f in fails)


def test_check_passes_when_nothing_affected(rootfs, vulndb: Path) -> None:  # type: ignore[no-untyped-def]
    rootfs.write(
        "/var/lib/dpkg/status", "Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1\n"
    )
    rootfs.write("/etc/os-release", OS_RELEASE)
    check = KnownVulnerabilitiesCheck()
    check.context = AssessmentContext(profile="nistir8425", vulndb=vulndb)
    assert [f.verdict for f in check.evaluate(rootfs.image())] == [Verdict.PASS]


def test_missing_vulndb_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(VulnDBError) as info:
        VulnDB.load(tmp_path / "nope")
    assert info.value.exit_code == 2 and info.value.diagnostics


@pytest.mark.parametrize("content", [None, "malformed"])
def test_vulndb_without_usable_records_is_inconclusive_not_pass(rootfs, tmp_path: Path, content) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "osv"
    folder.mkdir()
    if content:
        (folder / "broken.json").write_text("{not json")
        (folder / "notes.json").write_text(json.dumps({"hello": "not an OSV record"}))
        (folder / "huge.json").write_bytes(b" " * (8 * 1024 * 1024 + 1))
    rootfs.write("/var/lib/dpkg/status", "Package: openssl\nStatus: install ok installed\nVersion: 3.0.9-1\n")
    check = KnownVulnerabilitiesCheck()
    check.context = AssessmentContext(profile="nistir8425", vulndb=folder)
    findings = list(check.evaluate(rootfs.image()))
    assert [f.verdict for f in findings] == [Verdict.INCONCLUSIVE]
    assert "no usable OSV record" in findings[0].message
    reasons = {Path(s["file"]).name: s["reason"] for s in findings[0].evidence["skipped"]}
    if content:
        assert reasons["broken.json"].startswith("not valid JSON")
        assert reasons["notes.json"].startswith("not an OSV record")
        assert reasons["huge.json"] == "larger than 8 MiB"
    else:
        assert reasons == {} and "no JSON files" in findings[0].message


def test_skipped_vulndb_files_are_named_with_the_reason(vulndb: Path) -> None:
    db = VulnDB.load(vulndb)
    assert db.count == 6
    assert {Path(s.path).name: s.reason.split(" (")[0] for s in db.skipped} == {
        "broken.json": "not valid JSON",
        "notes.json": "not an OSV record",
    }

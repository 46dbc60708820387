"""``--format cyclonedx``: ``sbom.cdx.json`` from a real assessment, checked by CycloneDX's own validator.

The image has a package database that lists BusyBox *and* the BusyBox binary, plus a dropbear
binary the database does not know: BusyBox must appear once (both ways of finding it in its
evidence), dropbear once (from its binary), each with the file, the matched string, the method
and a confidence.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from securable.assess.checks.firmware.sbom_inventory import SbomInventoryCheck
from securable.assess.engine import EngineOptions, run_assessment
from securable.assess.model import TargetKind
from securable.assess.reports import FORMATS, cyclonedx, write_reports
from securable.assess.targets import FirmwareImage
from securable.catalog import load_catalog
from tests.assess.facts.test_binary_components import installed_version

DPKG_STATUS = """\
Package: busybox-static
Status: install ok installed
Version: {version}
Architecture: amd64
Source: busybox

"""


@pytest.fixture(scope="module")
def sbom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("image") / "root"
    for source, target in {"/bin/busybox": "bin/busybox", "/usr/sbin/dropbear": "usr/sbin/dropbear"}.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / target)
    status = root / "var/lib/dpkg/status"
    status.parent.mkdir(parents=True)
    status.write_text(DPKG_STATUS.format(version="1:1.35.0-4+deb12u1+b1"))
    with FirmwareImage.open(root) as image:
        assessment = run_assessment(
            {TargetKind.FIRMWARE: image},
            [SbomInventoryCheck],
            options=EngineOptions(timeout=60),
            catalog=load_catalog(),
        )
    text = cyclonedx.render(assessment).decode()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc: dict[str, Any] = json.loads(text)
    return doc


def test_cyclonedx_is_a_registered_format_written_as_sbom_cdx_json() -> None:
    assert FORMATS["cyclonedx"][0] == "sbom.cdx.json"


def test_a_component_found_in_the_database_and_in_a_binary_appears_once(sbom: dict[str, Any]) -> None:
    busybox = [c for c in sbom["components"] if "busybox" in c["name"]]
    assert len(busybox) == 1
    [identity] = busybox[0]["evidence"]["identity"]
    methods = {m["technique"]: m["value"] for m in identity["methods"]}
    assert sorted(methods) == ["binary-analysis", "manifest-analysis"]
    assert methods["binary-analysis"].startswith("/bin/busybox: BusyBox v")
    locations = {o["location"] for o in busybox[0]["evidence"]["occurrences"]}
    assert locations == {"/var/lib/dpkg/status", "/bin/busybox"}
    assert (
        busybox[0]["cpe"] == f"cpe:2.3:a:busybox:busybox:{installed_version('busybox-static')}:*:*:*:*:*:*:*"
    )


def test_a_component_found_only_in_a_binary_has_cpe_purl_evidence_and_confidence(
    sbom: dict[str, Any],
) -> None:
    [dropbear] = [c for c in sbom["components"] if c["name"] == "dropbear"]
    version = installed_version("dropbear-bin")
    assert dropbear["version"] == version
    assert dropbear["purl"] == f"pkg:generic/dropbear@{version}"
    assert dropbear["cpe"] == f"cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:{version}:*:*:*:*:*:*:*"
    [identity] = dropbear["evidence"]["identity"]
    assert 0 < identity["confidence"] <= 1
    assert identity["methods"][0]["value"] == f"/usr/sbin/dropbear: SSH-2.0-dropbear_{version}"
    properties = {p["name"]: p["value"] for p in dropbear["properties"]}
    assert properties["securable:identified-by"] == "binary-analysis"
    assert properties["securable:method"] == "binary-analysis: version string"


def test_an_assessment_without_firmware_still_gets_a_valid_sbom(tmp_path: Path) -> None:
    assessment = run_assessment({}, [], options=EngineOptions(timeout=5), catalog=load_catalog())
    [written] = write_reports(assessment, tmp_path, ["cyclonedx"])
    assert written.name == "sbom.cdx.json"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(written.read_text()) is None


def test_cli_writes_the_sbom_and_reports_nvd_matches_apart_from_unknown_versions(tmp_path: Path) -> None:
    """``securable assess --firmware DIR --vulndb NVD --format json,cyclonedx`` end to end."""
    from tests.assess.test_cli import cli

    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy("/bin/busybox", root / "bin" / "busybox")
    uhttpd = Path("/usr/bin/true").read_bytes() + b"\0Usage: %s -p [addr:]port -h docroot\0uhttpd\0"
    (root / "bin" / "uhttpd").write_bytes(uhttpd)
    vulndb = tmp_path / "nvd"
    vulndb.mkdir()
    record = {
        "id": "CVE-2099-0003",
        "published": "2099-01-01T00:00:00.000",
        "lastModified": "2099-01-01T00:00:00.000",
        "descriptions": [{"lang": "en", "value": "test"}],
        "references": [],
        "configurations": [
            {
                "nodes": [
                    {
                        "operator": "OR",
                        "cpeMatch": [
                            {
                                "vulnerable": True,
                                "criteria": "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
                                "matchCriteriaId": "9D4A2C1B-0E3F-4A5B-8C7D-6E5F4A3B2C10",
                                "versionEndExcluding": "99",
                            }
                        ],
                    }
                ]
            }
        ],
    }
    (vulndb / "CVE-2099-0003.json").write_text(json.dumps(record))
    out = tmp_path / "out"
    argv = ["assess", "--firmware", str(root), "--vulndb", str(vulndb), "--out", str(out)]
    assert cli([*argv, "--format", "json,cyclonedx", "--fail-on", "never"]) == 0
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str((out / "sbom.cdx.json").read_text()) is None
    findings = json.loads((out / "report.json").read_text())["findings"]
    vulns = [f for f in findings if f["check"] == "fw.sbom.known-vulnerabilities"]
    statuses = {f["evidence"].get("status"): f for f in vulns}
    known = statuses["known-vulnerable"]
    assert known["verdict"] == "fail" and known["evidence"]["vulnerability"] == "CVE-2099-0003"
    assert known["evidence"]["range"] == {"versionEndExcluding": "99"}
    assert known["evidence"]["identified"]["files"] == ["/bin/busybox"]
    unknown = statuses["version-unknown"]
    assert unknown["verdict"] == "inconclusive" and unknown["evidence"]["components"][0]["name"] == "uhttpd"

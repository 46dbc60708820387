"""NVD CVE JSON 2.0 matching of components identified from binaries, and the version order.

The records are written here, small, and validated against NIST's CVE API 2.0 JSON schema
(``tests/assess/schemas/nvd_cve_api_json_2.0.schema.json``) before they are used, so the shape
we match is the shape NVD publishes.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from securable.assess.facts.binaries import BinaryComponent, BinaryHit, load_signatures
from securable.assess.nvd import NvdDB, is_nvd_document
from securable.assess.versions import UpstreamVersion
from securable.assess.vulndb import VulnDB

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "nvd_cve_api_json_2.0.schema.json").read_text())


OPENSSL = "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"
BUSYBOX = "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*"


def cpe_match(criteria: str, vulnerable: bool = True, **bounds: str) -> dict[str, Any]:
    return {
        "vulnerable": vulnerable,
        "criteria": criteria,
        "matchCriteriaId": str(uuid.uuid4()).upper(),
        **bounds,
    }


def cve(
    cve_id: str, *matches: dict[str, Any], operator: str | None = None, platform: str = ""
) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"operator": "OR", "negate": False, "cpeMatch": list(matches)}]
    config: dict[str, Any] = {"nodes": nodes}
    if platform:
        nodes.append({"operator": "OR", "negate": False, "cpeMatch": [cpe_match(platform, vulnerable=False)]})
        config["operator"] = operator or "AND"
    return {
        "id": cve_id,
        "sourceIdentifier": "cve@mitre.org",
        "published": "2024-01-01T00:00:00.000",
        "lastModified": "2024-01-02T00:00:00.000",
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": f"{cve_id} test record"}],
        "references": [{"url": "https://example.org/advisory", "source": "cve@mitre.org"}],
        "configurations": [config],
    }


def feed(*records: dict[str, Any]) -> dict[str, Any]:
    doc = {
        "resultsPerPage": len(records),
        "startIndex": 0,
        "totalResults": len(records),
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2026-11-29T00:00:00.000",
        "vulnerabilities": [{"cve": record} for record in records],
    }
    Draft7Validator(SCHEMA).validate(doc)  # the shape NVD publishes
    return doc


def component(name: str, version: str | None, path: str = "/bin/x") -> BinaryComponent:
    sig = {s.name: s for s in load_signatures()}[name]
    found = BinaryComponent(sig, version)
    found.hits.append(
        BinaryHit(name, path, version, f"{name} {version}", "binary-analysis: version string", 0.9)
    )
    return found


def db(*records: dict[str, Any]) -> NvdDB:
    return NvdDB(item["cve"] for item in feed(*records)["vulnerabilities"])


def test_the_schema_rejects_a_record_nvd_would_not_publish() -> None:
    broken = feed(cve("CVE-2024-0001", cpe_match("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*")))
    del broken["vulnerabilities"][0]["cve"]["published"]
    assert not Draft7Validator(SCHEMA).is_valid(broken)


def test_range_bounds_in_the_components_own_order() -> None:
    records = db(
        cve(
            "CVE-2023-0001",
            cpe_match(OPENSSL, versionStartIncluding="1.1.1", versionEndExcluding="1.1.1w"),
        ),
        cve(
            "CVE-2023-0002",
            cpe_match(OPENSSL, versionStartIncluding="3.0.0", versionEndIncluding="3.0.19"),
        ),
    )
    assert [m.cve for m in records.match_component(component("openssl", "1.1.1v"))] == ["CVE-2023-0001"]
    assert records.match_component(component("openssl", "1.1.1w")) == []  # the fix release
    assert records.match_component(component("openssl", "1.1.0l")) == []  # below the start
    match = records.match_component(component("openssl", "3.0.19"))[0]
    assert match.cve == "CVE-2023-0002" and match.range == {
        "versionStartIncluding": "3.0.0",
        "versionEndIncluding": "3.0.19",
    }
    assert match.range_text() == ">= 3.0.0, <= 3.0.19"
    assert match.component.best.method == "binary-analysis: version string"


def test_exact_version_criteria_and_every_version_criteria() -> None:
    records = db(
        cve("CVE-2021-0003", cpe_match("cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*")),
        cve("CVE-2021-0004", cpe_match("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*")),  # no bound: not matched
    )
    matches = records.match_component(component("busybox", "1.35.0"))
    assert [(m.cve, m.range_text()) for m in matches] == [("CVE-2021-0003", "version 1.35.0 exactly")]
    assert records.match_component(component("busybox", "1.36.1")) == []


def test_wrong_vendor_never_matches() -> None:
    """EMBA's trap: a dnsmasq record filed under another vendor produced bogus CVEs."""
    records = db(
        cve(
            "CVE-2020-0005", cpe_match("cpe:2.3:a:dnsmasq:dnsmasq:*:*:*:*:*:*:*:*", versionEndExcluding="3.0")
        ),
        cve(
            "CVE-2020-0006",
            cpe_match("cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*", versionEndExcluding="2.83"),
        ),
    )
    assert records.match_component(component("dnsmasq", "2.90")) == []
    assert [m.cve for m in records.match_component(component("dnsmasq", "2.80"))] == ["CVE-2020-0006"]


def test_kernel_records_need_the_operating_system_part() -> None:
    records = db(
        cve(
            "CVE-2022-0007",
            cpe_match("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", versionEndExcluding="5.10.150"),
        ),
        cve(
            "CVE-2022-0008",
            cpe_match("cpe:2.3:a:linux:linux_kernel:*:*:*:*:*:*:*:*", versionEndExcluding="9.0"),
        ),
    )
    assert [m.cve for m in records.match_component(component("linux", "5.10.110"))] == ["CVE-2022-0007"]


def test_unknown_version_and_non_vulnerable_entries_are_not_matched() -> None:
    records = db(
        cve("CVE-2022-0009", cpe_match("cpe:2.3:a:openwrt:uhttpd:*:*:*:*:*:*:*:*", versionEndExcluding="2")),
        cve("CVE-2022-0010", cpe_match(BUSYBOX, vulnerable=False, versionEndExcluding="9")),
    )
    assert records.match_component(component("uhttpd", None)) == []
    assert records.match_component(component("busybox", "1.35.0")) == []


def test_platform_conditions_are_reported_not_evaluated() -> None:
    records = db(
        cve(
            "CVE-2022-0011",
            cpe_match("cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*", versionEndExcluding="2.86"),
            platform="cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*",
        )
    )
    [match] = records.match_component(component("dnsmasq", "2.85"))
    assert match.platform_condition


def test_vulndb_folder_holds_osv_and_nvd_files_side_by_side(tmp_path: Path) -> None:
    nvd = feed(
        cve(
            "CVE-2024-0012",
            cpe_match("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*", versionEndExcluding="1.36.0"),
        )
    )
    (tmp_path / "nvdcve-2.0-2024.json").write_text(json.dumps(nvd))
    single = cve("CVE-2024-0013", cpe_match("cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*"))
    (tmp_path / "CVE-2024-0013.json").write_text(json.dumps(single))
    osv = {
        "id": "DSA-0001",
        "affected": [{"package": {"ecosystem": "Debian", "name": "x"}, "versions": ["1"]}],
    }
    (tmp_path / "dsa.json").write_text(json.dumps(osv))
    loaded = VulnDB.load(tmp_path)
    assert (loaded.count, loaded.nvd.count, loaded.skipped) == (1, 2, [])
    assert is_nvd_document(nvd) and is_nvd_document(single) and not is_nvd_document(osv)
    cves = {m.cve for m in loaded.nvd.match_component(component("busybox", "1.35.0"))}
    assert cves == {"CVE-2024-0012", "CVE-2024-0013"}


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.1.1", "1.1.1a"),  # OpenSSL letter releases come after the number
        ("1.1.1v", "1.1.1w"),
        ("1.1.1z", "1.1.1za"),
        ("1.1.1za", "1.1.2"),
        ("9.2", "9.2p1"),  # OpenSSH portable
        ("9.2p1", "9.3"),
        ("4.2.8p15", "4.2.8p17"),  # ntp.org
        ("4.4.3", "4.4.3-P1"),  # ISC
        ("2.0.0rc1", "2.0.0"),  # release candidates before the release
        ("2.0.0beta2", "2.0.0rc1"),
        ("1.35.0", "1.36.0"),  # BusyBox
        ("2022.83", "2024.84"),  # dropbear
        ("2023.01", "2023.04"),  # U-Boot
        ("5.10.9", "5.10.110"),  # numbers, not text
    ],
)
def test_upstream_version_order(lower: str, higher: str) -> None:
    assert UpstreamVersion(lower) < UpstreamVersion(higher)
    assert not UpstreamVersion(higher) < UpstreamVersion(lower)


def test_trailing_zeros_are_equal_and_text_is_not_a_version() -> None:
    assert UpstreamVersion("2.10") == UpstreamVersion("2.10.0")
    assert hash(UpstreamVersion("2.10")) == hash(UpstreamVersion("2.10.0"))
    with pytest.raises(ValueError, match="not a version"):
        UpstreamVersion("unknown")

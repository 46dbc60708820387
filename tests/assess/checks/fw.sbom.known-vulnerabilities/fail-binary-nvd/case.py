"""Real BusyBox, no package database, and an NVD CVE 2.0 feed whose range covers its version."""

import json
import shutil
from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, image_case

RECORD = {
    "id": "CVE-2099-0001",
    "published": "2099-01-01T00:00:00.000",
    "lastModified": "2099-01-01T00:00:00.000",
    "descriptions": [{"lang": "en", "value": "test record: every BusyBox release from 1.0 up to 99"}],
    "references": [],
    "configurations": [
        {
            "nodes": [
                {
                    "operator": "OR",
                    "negate": False,
                    "cpeMatch": [
                        {
                            "vulnerable": True,
                            "criteria": "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
                            "matchCriteriaId": "6F1C1A2E-8D1B-4E57-9C55-3A8E0B8E1A01",
                            "versionStartIncluding": "1.0",
                            "versionEndExcluding": "99",
                        }
                    ],
                }
            ]
        }
    ],
}


def build(tmp: Path) -> Case:
    (tmp / "rootfs" / "bin").mkdir(parents=True)
    shutil.copy("/bin/busybox", tmp / "rootfs" / "bin" / "busybox")
    (tmp / "nvd").mkdir()
    feed = {
        "resultsPerPage": 1,
        "startIndex": 0,
        "totalResults": 1,
        "format": "NVD_CVE",
        "version": "2.0",
        "timestamp": "2099-01-01T00:00:00.000",
        "vulnerabilities": [{"cve": RECORD}],
    }
    (tmp / "nvd" / "nvdcve-2.0-test.json").write_text(json.dumps(feed))
    return image_case(tmp / "rootfs", vulndb=tmp / "nvd")

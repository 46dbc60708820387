"""A web server recognised by its strings but without a release number (OpenWrt's uhttpd), and an
NVD record for it: "version unknown", never matched. The binary is /usr/bin/true with uhttpd's
usage text appended (no Debian package ships uhttpd)."""

import json
from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, image_case

RECORD = {
    "id": "CVE-2099-0002",
    "published": "2099-01-01T00:00:00.000",
    "lastModified": "2099-01-01T00:00:00.000",
    "descriptions": [{"lang": "en", "value": "test record for uhttpd"}],
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
                            "criteria": "cpe:2.3:a:openwrt:uhttpd:*:*:*:*:*:*:*:*",
                            "matchCriteriaId": "0B7E3D52-2F0C-4D8A-A6B1-5C4B1F7E2D02",
                            "versionEndExcluding": "9999",
                        }
                    ],
                }
            ]
        }
    ],
}


def build(tmp: Path) -> Case:
    (tmp / "rootfs" / "usr" / "sbin").mkdir(parents=True)
    strings = b"\0Usage: %s -p [addr:]port -h docroot\0uhttpd\0/etc/config/uhttpd\0"
    (tmp / "rootfs" / "usr" / "sbin" / "uhttpd").write_bytes(Path("/usr/bin/true").read_bytes() + strings)
    (tmp / "nvd").mkdir()
    (tmp / "nvd" / "CVE-2099-0002.json").write_text(json.dumps(RECORD))
    return image_case(tmp / "rootfs", vulndb=tmp / "nvd")

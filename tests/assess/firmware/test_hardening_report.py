"""Binary hardening, certificates and the kernel configuration, end to end: a root filesystem of
real Debian binaries through the engine into report.json (validated by its schema) and report.html."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from securable.assess.engine import EngineOptions, run_assessment
from securable.assess.model import TargetKind, Verdict
from securable.assess.registry import all_checks
from securable.assess.reports import html, json_report
from securable.assess.targets import Declaration, FirmwareImage
from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.elf_builders import UNHARDENED, compile_program
from tests.assess.firmware.kernel_builders import debian_config

REPORT_SCHEMA = Path(__file__).resolve().parents[3] / "src/securable/assess/data/report.schema.json"
IDS = (
    "fw.hardening.binaries",
    "fw.certificates.validity",
    "fw.certificates.weak-keys",
    "fw.kernel.hardening-config",
)
PRODUCT = """\
schema: securable/product/v1
product: {name: Fixture Hub, manufacturer: Fixture Devices, model: FH-1, version: "1.0.0"}
support: {end: "2045-12"}
services:
  - {name: mosquitto, port: 1883, protocol: mqtt, start_at_boot: true, purpose: local broker}
  - {name: legacyd, port: 8080, protocol: http, start_at_boot: true, purpose: old web interface}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    root = tmp_path_factory.mktemp("debian") / "rootfs"
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/sbin").mkdir(parents=True)
    for program in sorted(Path("/usr/bin").iterdir())[:60]:
        if program.is_file() and not program.is_symlink():
            shutil.copyfile(program, root / "usr/bin" / program.name)
            (root / "usr/bin" / program.name).chmod(0o755)
    shutil.copyfile("/usr/sbin/mosquitto", root / "usr/sbin/mosquitto")
    (root / "usr/sbin/mosquitto").chmod(0o755)
    compile_program(root / "usr/sbin/legacyd", UNHARDENED)
    (root / "etc/init.d").mkdir(parents=True)
    (root / "etc/init.d/S50mosquitto").write_text("#!/bin/sh\n/usr/sbin/mosquitto -d\n")
    (root / "etc/device").mkdir()
    (root / "etc/device/device.crt").write_bytes(make_certificate("device-1", days=365))
    (root / "boot").mkdir()
    (root / "boot/config-6.1.0-13-amd64").write_text(debian_config())
    decl = Declaration.from_text(PRODUCT)
    checks = [c for c in all_checks() if c.id in IDS]
    with FirmwareImage.open(root) as image:
        assessment = run_assessment(
            {TargetKind.FIRMWARE: image, TargetKind.DECLARATION: decl},
            checks,
            options=EngineOptions(timeout=120),
        )
    return json.loads(json_report.render(assessment)), html.render(assessment).decode()


def test_report_json_keeps_the_table_and_validates(report: tuple[dict[str, Any], str]) -> None:
    data, _page = report
    Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(data)
    findings = [f for f in data["findings"] if f["check"] == "fw.hardening.binaries"]
    summary = next(f for f in findings if f["location"]["path"] == "/")
    rows = summary["evidence"]["rows"]
    assert len(rows) > 20 and {"nx", "pie", "relro", "stack_protector", "fortify_source"} <= set(rows[0])
    legacy = next(f for f in findings if f["location"]["path"] == "/usr/sbin/legacyd")
    assert legacy["verdict"] == Verdict.FAIL and legacy["severity"] == "high"  # declared listener, no NX
    assert "cra:I.2.k" in legacy["requirements"]
    assert legacy["evidence"]["mapping_confidence"]["cra:I.2.k"] == "high"
    assert "/usr/sbin/mosquitto" in summary["evidence"]["network_facing"]
    assert summary["evidence"]["network_facing"]["/usr/sbin/mosquitto"]["lacks"] == []


def test_certificate_expiring_before_support_end_and_kernel_options(
    report: tuple[dict[str, Any], str],
) -> None:
    data, _page = report
    by_check: dict[str, list[dict[str, Any]]] = {}
    for finding in data["findings"]:
        by_check.setdefault(finding["check"], []).append(finding)
    assert any("before the declared end of support (2045-12)" in f["message"] for f in by_check[IDS[1]])
    assert [f["verdict"] for f in by_check[IDS[2]]] == ["pass"]
    [kernel] = by_check[IDS[3]]
    assert kernel["verdict"] == "fail" and "CONFIG_MODULE_SIG_FORCE" in kernel["message"]


def test_html_summarises_the_table(report: tuple[dict[str, Any], str]) -> None:
    data, page = report
    rows = next(f for f in data["findings"] if f["check"] == IDS[0] and f["location"]["path"] == "/")
    assert f"{len(rows['evidence']['rows'])} rows: the full table is in report.json" in page
    assert "/usr/sbin/legacyd" in page

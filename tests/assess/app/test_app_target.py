"""The companion-app target end to end: real APKs built with aapt, assessed through the CLI,
and the hostile packages a tester hands over (not a zip, no manifest, bomb, garbage manifest)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from securable.assess.engine import run_assessment
from securable.assess.model import TargetKind, Verdict
from securable.assess.targets.app import AndroidApp, AppLimits
from securable.errors import AppPackageError
from tests.assess.app.apkbuild import USER_CA_NSC, AppSpec, build_apk
from tests.assess.test_cli import cli

SCHEMA = Path(__file__).parents[3] / "src" / "securable" / "assess" / "data" / "report.schema.json"


def test_a_flawed_app_fails_every_app_check_and_the_report_names_the_app(tmp_path: Path) -> None:
    apk = build_apk(
        tmp_path,
        AppSpec(
            debuggable=True,
            allow_backup=True,
            cleartext=True,
            nsc=USER_CA_NSC,
            components=AppSpec().components + '<provider android:name=".Data" android:authorities="t.data" '
            'android:exported="true"/>',
            assets={"cloud.properties": "aws_access_key_id = AKIAZ7QW3ABCD4XYTQ2M\n"},
        ),
    )
    out = tmp_path / "out"
    code = cli(["assess", "--app", str(apk), "--out", str(out), "--format", "json"])
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    Draft202012Validator(json.loads(SCHEMA.read_text())).validate(report)
    failed = {f["check"] for f in report["findings"] if f["verdict"] == "fail"}
    assert failed == {
        "app.debuggable",
        "app.backup-allowed",
        "app.cleartext-traffic",
        "app.trust-anchors",
        "app.exported-components",
        "app.secrets",
    }
    assert [t["kind"] for t in report["targets"]] == ["app"]
    assert all(f["location"]["path"].startswith(str(apk)) for f in report["findings"] if f["location"])


def test_a_careful_app_passes(tmp_path: Path) -> None:
    app = AndroidApp.open(build_apk(tmp_path, AppSpec()))
    assessment = run_assessment({TargetKind.APP: app})
    verdicts = {f.check: f.verdict for f in assessment.findings}
    assert set(verdicts.values()) == {Verdict.PASS}, verdicts


def _zip_with(name: str, data: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(name, data)

    return make


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p.write_bytes(b"not a zip at all"), "not an APK (not a zip archive)"),
        (_zip_with("classes.dex", b"dex\n035"), "has no AndroidManifest.xml"),
        (_zip_with("AndroidManifest.xml", b"\x03\x00garbage"), "has no package name"),
    ],
    ids=["not-a-zip", "no-manifest", "garbage-manifest"],
)
def test_unusable_packages_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], None], said: str
) -> None:
    apk = tmp_path / "bad.apk"
    make(apk)
    code = cli(["assess", "--app", str(apk), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert said in err and str(apk) in err
    assert "Traceback" not in err and len(err.splitlines()) <= 2


def test_a_manifest_bomb_stops_at_the_cap_before_inflating(tmp_path: Path) -> None:
    apk = tmp_path / "bomb.apk"
    with zipfile.ZipFile(apk, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("AndroidManifest.xml", b"\0" * (4 << 20))
    with pytest.raises(AppPackageError, match="over the 1048576-byte cap"):
        AndroidApp.open(apk, AppLimits(max_member=1 << 20))


def test_the_total_read_cap_leaves_the_secret_check_inconclusive_not_passed(tmp_path: Path) -> None:
    apk = build_apk(tmp_path, AppSpec(assets={f"blob{n}.bin": "x" * 4096 for n in range(8)}))
    app = AndroidApp.open(apk, AppLimits(max_total=8192))
    assessment = run_assessment({TargetKind.APP: app})
    secrets = [f for f in assessment.findings if f.check == "app.secrets"]
    assert [f.verdict for f in secrets] == [Verdict.INCONCLUSIVE]
    assert app.unread


def test_hosts_the_app_names_are_collected_with_where(tmp_path: Path) -> None:
    config = '{"api": "https://api.thermo.example/v2", "broker": "mqtts://mqtt.thermo.example:8883"}'
    app = AndroidApp.open(build_apk(tmp_path, AppSpec(assets={"endpoints.json": config})))
    assert app.hosts["api.thermo.example"] == ["assets/endpoints.json"]
    assert app.hosts["mqtt.thermo.example"] == ["assets/endpoints.json"]
    assert "schemas.android.com" not in app.hosts

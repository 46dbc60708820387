"""Build small, real APKs for the app tests with Debian's ``aapt`` and framework resources.

An APK is a zip whose ``AndroidManifest.xml`` and ``res/xml/*.xml`` are compiled to Android's
binary XML; ``aapt package`` does exactly what the Android build does for them, against the
platform's own ``framework-res.apk`` (which resolves the ``android:`` attributes). No opaque
binary is stored in the repository: each test writes the manifest it needs.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from securable.assess.targets.app import AndroidApp
from tests.assess.checks._fixtures import Case

FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")

SECURE_NSC = """<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
  <base-config cleartextTrafficPermitted="false">
    <trust-anchors><certificates src="system"/></trust-anchors>
  </base-config>
  <domain-config>
    <domain includeSubdomains="true">api.thermo.example</domain>
    <pin-set expiration="2031-01-01">
      <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
      <pin digest="SHA-256">fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=</pin>
    </pin-set>
  </domain-config>
  <debug-overrides><trust-anchors><certificates src="user"/></trust-anchors></debug-overrides>
</network-security-config>
"""

USER_CA_NSC = """<?xml version="1.0" encoding="utf-8"?>
<network-security-config>
  <base-config cleartextTrafficPermitted="true">
    <trust-anchors><certificates src="system"/><certificates src="user"/></trust-anchors>
  </base-config>
</network-security-config>
"""


@dataclass
class AppSpec:
    """What the built app declares; ``None`` leaves an attribute unwritten (Android's default)."""

    package: str = "com.example.thermo"
    target_sdk: int = 33
    debuggable: bool | None = None
    allow_backup: bool | None = False
    cleartext: bool | None = False
    nsc: str | None = SECURE_NSC
    components: str = (
        '<activity android:name=".Main" android:exported="true">'
        '<intent-filter><action android:name="android.intent.action.MAIN"/>'
        '<category android:name="android.intent.category.LAUNCHER"/></intent-filter></activity>'
    )
    assets: Mapping[str, str] = field(default_factory=dict)


def need_aapt() -> None:
    if shutil.which("aapt") is None or not FRAMEWORK.is_file():
        pytest.skip("aapt and android-framework-res are not installed (scripts/bootstrap installs them)")


def _attr(name: str, value: bool | None) -> str:
    return "" if value is None else f' android:{name}="{str(value).lower()}"'


def build_apk(folder: Path, spec: AppSpec) -> Path:
    """Write the sources of ``spec`` under ``folder`` and package them into ``folder/app.apk``."""
    need_aapt()
    src = folder / "src"
    (src / "res" / "xml").mkdir(parents=True, exist_ok=True)
    (src / "assets").mkdir(exist_ok=True)
    nsc_attr = ""
    if spec.nsc is not None:
        (src / "res" / "xml" / "network_security_config.xml").write_text(spec.nsc)
        nsc_attr = ' android:networkSecurityConfig="@xml/network_security_config"'
    application = (
        '<application android:label="Thermo"'
        + _attr("debuggable", spec.debuggable)
        + _attr("allowBackup", spec.allow_backup)
        + _attr("usesCleartextTraffic", spec.cleartext)
        + nsc_attr
        + ">"
        + spec.components
        + "</application>"
    )
    (src / "AndroidManifest.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<manifest xmlns:android="http://schemas.android.com/apk/res/android" '
        f'package="{spec.package}" android:versionCode="7" android:versionName="2.1.0">'
        f'<uses-sdk android:minSdkVersion="24" android:targetSdkVersion="{spec.target_sdk}"/>'
        '<uses-permission android:name="android.permission.INTERNET"/>'
        f"{application}</manifest>\n"
    )
    for name, text in spec.assets.items():
        (src / "assets" / name).write_text(text)
    apk = folder / "app.apk"
    command = ["aapt", "package", "-f", "-M", str(src / "AndroidManifest.xml"), "-S", str(src / "res")]
    command += ["-A", str(src / "assets"), "-I", str(FRAMEWORK), "-F", str(apk)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return apk


def app_case(tmp: Path, spec: AppSpec) -> Case:
    """A per-check fixture case (tests/assess/checks/app.*/): ``spec`` built and opened."""
    return Case(AndroidApp.open(build_apk(tmp, spec)))

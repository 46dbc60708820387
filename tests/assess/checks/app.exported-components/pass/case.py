"""The launcher activity (exported by necessity), a private service and a guarded receiver."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case

COMPONENTS = (
    AppSpec().components
    + '<service android:name=".Sync" android:exported="false"/>'
    + '<receiver android:name=".Push" android:exported="true" android:permission="com.example.thermo.PUSH"/>'
)


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(components=COMPONENTS))

"""A command service exported outright, and a receiver exported implicitly by its intent filter."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case

COMPONENTS = (
    AppSpec().components
    + '<service android:name=".DeviceCommand" android:exported="true"/>'
    + '<receiver android:name=".SetTemperature"><intent-filter>'
    + '<action android:name="com.example.thermo.SET"/></intent-filter></receiver>'
)


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(components=COMPONENTS, target_sdk=30))

"""Nothing written, but the app targets API 26: cleartext is the platform default there."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(cleartext=None, nsc=None, target_sdk=26))

"""android:allowBackup="false"."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(allow_backup=False))

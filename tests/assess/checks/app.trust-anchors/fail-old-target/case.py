"""No configuration and target API 23: user CAs are trusted by default there."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(nsc=None, target_sdk=23))

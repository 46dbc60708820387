"""System CAs only in the release configuration, user CAs under debug-overrides, pins for the API."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec())

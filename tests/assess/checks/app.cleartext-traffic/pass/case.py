"""base-config refuses cleartext; no domain re-allows it."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(cleartext=None))

"""A configuration asset with the backend's URL and no credential."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case

CONFIG = '{"api": "https://api.thermo.example/v1", "password_min_length": 12}\n'


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(assets={"config.json": CONFIG}))

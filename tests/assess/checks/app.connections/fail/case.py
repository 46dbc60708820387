"""The app also reports to an analytics host and a test server the declaration does not name."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_declaration, build_apk
from tests.assess.checks._fixtures import Case

from securable.assess.model import TargetKind
from securable.assess.targets.app import AndroidApp

ASSETS = {
    "endpoints.json": '{"api": "https://api.thermo.example/v1", "stats": "https://collect.tracker.example/e",'
    ' "debug": "http://staging.thermo-dev.example:8080/"}',
}


def build(tmp: Path) -> Case:
    app = AndroidApp.open(build_apk(tmp, AppSpec(assets=ASSETS)))
    return Case(app, {TargetKind.DECLARATION: app_declaration()})

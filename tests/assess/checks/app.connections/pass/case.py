"""The app calls the declared API (and a subdomain of it); a licence file's URL is documentation."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_declaration, build_apk
from tests.assess.checks._fixtures import Case

from securable.assess.model import TargetKind
from securable.assess.targets.app import AndroidApp

ASSETS = {
    "endpoints.json": '{"api": "https://api.thermo.example/v1", "img": "https://cdn.api.thermo.example/x"}',
    "license.txt": "See https://www.apache.org/licenses/LICENSE-2.0",
}


def build(tmp: Path) -> Case:
    app = AndroidApp.open(build_apk(tmp, AppSpec(assets=ASSETS)))
    return Case(app, {TargetKind.DECLARATION: app_declaration()})

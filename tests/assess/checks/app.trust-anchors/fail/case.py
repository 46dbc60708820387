"""base-config trusts user-installed CAs."""

from pathlib import Path

from tests.assess.app.apkbuild import USER_CA_NSC, AppSpec, app_case
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(nsc=USER_CA_NSC))

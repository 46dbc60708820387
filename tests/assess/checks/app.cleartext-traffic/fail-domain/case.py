"""Cleartext refused in general but re-allowed for the device's local name."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case

NSC = """<network-security-config>
  <base-config cleartextTrafficPermitted="false"/>
  <domain-config cleartextTrafficPermitted="true"><domain>thermostat.local</domain></domain-config>
</network-security-config>
"""


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(nsc=NSC))

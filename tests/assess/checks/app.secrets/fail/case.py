"""A cloud access key and a broker password shipped in an asset."""

from pathlib import Path

from tests.assess.app.apkbuild import AppSpec, app_case
from tests.assess.checks._fixtures import Case

CONFIG = (
    "aws_access_key_id = AKIAZ7QW3EXAMPLE4XYT\n"  # secret-scan: test fixture, not a real key
    "mqtt_password = Tr0ub4dor-x9Kq2mZ\n"
)


def build(tmp: Path) -> Case:
    return app_case(tmp, AppSpec(assets={"broker.properties": CONFIG}))

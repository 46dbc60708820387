"""A cloud CA certificate that expired last month, next to a good one."""

from pathlib import Path

from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/cloud/ca.pem", make_certificate("Cloud CA", ca=True, starts=-400, days=370))
    fs.write("/etc/device/device.crt", make_certificate("device-0001", days=20 * 365))
    return image_case(fs.root)

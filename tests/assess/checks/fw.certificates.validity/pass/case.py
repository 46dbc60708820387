"""A device certificate valid well past the declared end of support, and Debian's CA bundle."""

from pathlib import Path

from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.fixture_builders import Case, RootFS, image_case

from securable.assess.model import TargetKind
from securable.assess.targets import Declaration

PRODUCT = """\
schema: securable/product/v1
product: {name: Fixture Hub, manufacturer: Fixture Devices, model: FH-1, version: "1.0.0"}
support: {end: "2031-03"}
"""


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/device/device.crt", make_certificate("device-0001", days=20 * 365))
    fs.write("/etc/ssl/certs/ca-certificates.crt", Path("/etc/ssl/certs/ca-certificates.crt").read_bytes())
    case = image_case(fs.root)
    case.others[TargetKind.DECLARATION] = Declaration.from_text(PRODUCT)
    return case

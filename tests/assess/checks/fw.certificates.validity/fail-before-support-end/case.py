"""A certificate valid today that expires in two years, before the declared end of support."""

import datetime as dt
from pathlib import Path

from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.fixture_builders import Case, RootFS, image_case

from securable.assess.model import TargetKind
from securable.assess.targets import Declaration


def build(tmp: Path) -> Case:
    end = dt.date.today().year + 8
    product = (
        "schema: securable/product/v1\n"
        'product: {name: Fixture Hub, manufacturer: Fixture Devices, model: FH-1, version: "1.0.0"}\n'
        f'support: {{end: "{end}-12"}}\n'
    )
    fs = RootFS(tmp / "rootfs")
    fs.write("/usr/share/updater/update-signing.crt", make_certificate("Update signing", days=730))
    case = image_case(fs.root)
    case.others[TargetKind.DECLARATION] = Declaration.from_text(product)
    return case

"""The unhardened program is the declared web service on port 8080: a network listener."""

from pathlib import Path

from tests.assess.firmware.elf_builders import UNHARDENED, rootfs_with_programs
from tests.assess.firmware.fixture_builders import Case, image_case

from securable.assess.model import TargetKind
from securable.assess.targets import Declaration

PRODUCT = """\
schema: securable/product/v1
product: {name: Fixture Hub, manufacturer: Fixture Devices, model: FH-1, version: "1.0.0"}
services:
  - {name: webd, port: 8080, protocol: http, start_at_boot: true, purpose: local configuration}
"""


def build(tmp: Path) -> Case:
    root = rootfs_with_programs(tmp / "rootfs", {"/usr/sbin/webd": UNHARDENED})
    case = image_case(root)
    case.others[TargetKind.DECLARATION] = Declaration.from_text(PRODUCT)
    return case

"""Programs, but no init configuration and no declaration: nothing ties them to the network."""

from pathlib import Path

from tests.assess.firmware.elf_builders import UNHARDENED, rootfs_with_programs
from tests.assess.firmware.fixture_builders import Case, image_case


def build(tmp: Path) -> Case:
    return image_case(rootfs_with_programs(tmp / "rootfs", {"/usr/bin/tool": UNHARDENED}))

"""Debian's kernel configuration as shipped: no forced module signatures, /proc/kcore present."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case
from tests.assess.firmware.kernel_builders import debian_config


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/boot/config-6.1.0-13-amd64", debian_config())
    return image_case(fs.root)

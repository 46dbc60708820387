"""Debian's kernel configuration with the two options it leaves off set as recommended."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case
from tests.assess.firmware.kernel_builders import debian_config, with_options


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    config = with_options(debian_config(), MODULE_SIG_FORCE="y", PROC_KCORE=None)
    fs.write("/boot/config-6.1.0-fixture-amd64", config)
    return image_case(fs.root)

"""A compressed kernel image whose built-in configuration (IKCONFIG) allows /dev/mem and has no KASLR."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case
from tests.assess.firmware.kernel_builders import debian_config, ikconfig_image, with_options


def build(tmp: Path) -> Case:
    config = with_options(
        debian_config(), STRICT_DEVMEM=None, IO_STRICT_DEVMEM=None, RANDOMIZE_BASE=None, MODULE_SIG_FORCE="y"
    )
    fs = RootFS(tmp / "rootfs")
    fs.write("/boot/zImage", ikconfig_image(config, compress="gzip"))
    return image_case(fs.root)

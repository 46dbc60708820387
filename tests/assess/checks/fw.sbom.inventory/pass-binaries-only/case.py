"""No package database, two real Debian binaries (BusyBox, dropbear): the SBOM comes from them."""

import shutil
from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, image_case

BINARIES = {"/bin/busybox": "bin/busybox", "/usr/sbin/dropbear": "usr/sbin/dropbear"}


def build(tmp: Path) -> Case:
    for source, target in BINARIES.items():
        (tmp / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, tmp / target)
    return image_case(tmp)

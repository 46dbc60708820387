"""A program built without NX, PIE and RELRO, respawned by inittab; a hardened one beside it."""

from pathlib import Path

from tests.assess.firmware.elf_builders import HARDENED, UNHARDENED, rootfs_with_programs
from tests.assess.firmware.fixture_builders import Case, image_case


def build(tmp: Path) -> Case:
    root = rootfs_with_programs(
        tmp / "rootfs",
        {"/usr/sbin/netd": UNHARDENED, "/usr/bin/tool": HARDENED},
        {"/etc/inittab": "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/netd -f\n"},
    )
    return image_case(root)

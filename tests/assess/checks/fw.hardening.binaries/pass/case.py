"""Debian's real mosquitto broker and a program built with every mitigation, both started at boot."""

from pathlib import Path

from tests.assess.firmware.elf_builders import HARDENED, rootfs_with_programs
from tests.assess.firmware.fixture_builders import Case, image_case


def build(tmp: Path) -> Case:
    root = rootfs_with_programs(
        tmp / "rootfs",
        {"/usr/sbin/mosquitto": Path("/usr/sbin/mosquitto"), "/usr/sbin/netd": HARDENED},
        {
            "/etc/init.d/S40mosquitto": "#!/bin/sh\n/usr/sbin/mosquitto -d\n",
            "/etc/init.d/S50netd": "#!/bin/sh\nstart-stop-daemon -S -q -x /usr/sbin/netd -- -f\n",
        },
    )
    return image_case(root)

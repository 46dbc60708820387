"""Which programs count as network-facing: boot entries through symlinks, plumbing left out,
declared ports matched by service name."""

from __future__ import annotations

from pathlib import Path

import pytest

from securable.assess.checks.firmware._exposure import network_facing
from securable.assess.facts import FirmwareView
from securable.assess.targets import FirmwareImage
from tests.assess.firmware.elf_builders import HARDENED, rootfs_with_programs


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = rootfs_with_programs(
        tmp_path_factory.mktemp("exposure") / "rootfs",
        {"/bin/busybox": HARDENED, "/usr/sbin/mqttd": HARDENED, "/usr/bin/helper": HARDENED},
        {
            "/etc/init.d/S10mount": "#!/bin/sh\nmount -a\n/bin/mount -t proc proc /proc\n",
            "/etc/init.d/S50httpd": "#!/bin/sh\n/usr/sbin/httpd -h /www -p 80\n",
        },
    )
    for applet in ("/bin/mount", "/usr/sbin/httpd"):
        (root / applet.lstrip("/")).symlink_to("/bin/busybox")
    return root


def test_busybox_applet_started_at_boot_is_network_facing(rootfs: Path) -> None:
    with FirmwareImage.open(rootfs) as image:
        exposed = network_facing(FirmwareView(image), [])
    assert set(exposed) == {"/bin/busybox"}
    assert exposed["/bin/busybox"].names == {"httpd"}  # not because the script calls mount
    assert exposed["/bin/busybox"].started_by == ["/etc/init.d/S50httpd"]


def test_declared_port_ties_a_service_to_its_program(rootfs: Path) -> None:
    with FirmwareImage.open(rootfs) as image:
        exposed = network_facing(FirmwareView(image), [("mqtt", 1883), ("nosuch", 9)])
    assert exposed["/usr/sbin/mqttd"].ports == [1883] and exposed["/usr/sbin/mqttd"].listens
    assert "/usr/bin/helper" not in exposed

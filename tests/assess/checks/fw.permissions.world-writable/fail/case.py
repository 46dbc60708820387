"""An init script and a configuration folder anyone may write (modes git cannot store)."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/init.d/S50app", "#!/bin/sh\n/usr/bin/app\n", mode=0o777)
    fs.mkdir("/etc/app", mode=0o777)
    fs.mkdir("/etc/spool", mode=0o1777)  # sticky: allowed
    fs.write("/tmp/scratch", "x", mode=0o666)  # outside the protected paths
    return image_case(fs.root)

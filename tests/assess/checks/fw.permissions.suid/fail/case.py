"""A set-user-ID busybox and a set-user-ID script (modes git cannot store)."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/bin/busybox", b"\x7fELF", mode=0o4755)
    fs.write("/usr/bin/passwd", b"\x7fELF", mode=0o4755)
    fs.write("/usr/local/bin/fw-helper", "#!/bin/sh\n", mode=0o4755)
    return image_case(fs.root)

"""passwd (set-user-ID) and crontab (set-group-ID): expected where they are."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/usr/bin/passwd", b"\x7fELF", mode=0o4755)
    fs.write("/usr/bin/crontab", b"\x7fELF", mode=0o2755)
    fs.write("/bin/ls", b"\x7fELF", mode=0o755)
    return image_case(fs.root)

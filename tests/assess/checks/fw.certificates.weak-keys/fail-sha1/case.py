"""A SHA-1 signed certificate compiled into a daemon's configuration (made by openssl)."""

from pathlib import Path

from tests.assess.firmware.cert_builders import legacy_signed
from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/lighttpd/server.pem", legacy_signed("legacy-web", "sha1"))
    return image_case(fs.root)

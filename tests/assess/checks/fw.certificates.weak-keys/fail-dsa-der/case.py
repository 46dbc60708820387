"""A DSA certificate in DER form."""

from pathlib import Path

from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/vpn/peer.der", make_certificate("vpn-peer", key="dsa", der=True))
    return image_case(fs.root)

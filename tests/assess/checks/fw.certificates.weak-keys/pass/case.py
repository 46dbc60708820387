"""An EC P-256 device certificate and an RSA-3072 CA-issued one, both SHA-256 signed."""

from pathlib import Path

from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/device/device.crt", make_certificate("device-0001"))
    fs.write("/etc/mqtt/client.pem", make_certificate("mqtt-client", key="rsa3072", issuer_key="ec"))
    return image_case(fs.root)

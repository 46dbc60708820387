"""A device key generated at test time and baked into /etc/ssl/private (git holds no key)."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, ec_private_key_pem, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/ssl/private/device.key", ec_private_key_pem(), mode=0o600)
    fs.write("/etc/ssl/certs/device.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    return image_case(fs.root)

"""An AWS access key ID in a configuration file (assembled here so git holds no key-shaped string)."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write(
        "/etc/cloud/uploader.conf", "region = eu-west-1\naws_access_key_id = " + "AKIA" + "Z7QXWERTYUIOPLKJ\n"
    )
    return image_case(fs.root)

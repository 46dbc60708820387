"""The image beside this file, assessed with the OSV records in ``osv/`` (``--vulndb``)."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, image_case

HERE = Path(__file__).parent


def build(tmp: Path) -> Case:
    return image_case(HERE / "rootfs", vulndb=HERE / "osv")

"""A vendor OS built from Debian 12 packages, with ``Debian:12`` OSV records in ``osv/``.

``os-release`` names the vendor's product (``ID=acmeos``, ``VERSION_ID=2.4.1``); the Debian release
comes from ``/etc/debian_version`` (``12.5``), so the ``Debian:12`` record still matches. Reading
``VERSION_ID`` as the Debian release would silently match nothing.
"""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, image_case

HERE = Path(__file__).parent


def build(tmp: Path) -> Case:
    return image_case(HERE / "rootfs", vulndb=HERE / "osv")

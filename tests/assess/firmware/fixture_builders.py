"""Helpers for the ``case.py`` builders of the firmware checks' fixtures
(``tests/assess/checks/fw.*/<case>/case.py``): what git cannot store — set-ID bits,
world-writable modes, freshly generated private keys — is written at test time into a root
filesystem, which is then opened through the real :class:`FirmwareImage` like a ``rootfs/`` case.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from securable.assess.facts import FirmwareView
from securable.assess.targets import FirmwareImage
from tests.assess.checks._fixtures import Case
from tests.assess.firmware.conftest import RootFS

__all__ = ["Case", "RootFS", "ec_private_key_pem", "image_case"]


def image_case(root: Path, *, vulndb: Path | None = None) -> Case:
    """The case of the root filesystem at ``root``, opened as the run would open it."""
    image = FirmwareImage.open(root, vulndb=vulndb)
    return Case(FirmwareView(image), vulndb=vulndb, cleanup=image.close)


def ec_private_key_pem() -> bytes:
    """A fresh P-256 private key in PKCS#8 PEM (generated, so no key is ever committed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

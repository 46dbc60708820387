"""An RSA-1024 client certificate issued by a CA, inside a binary blob (PEM found anywhere)."""

from pathlib import Path

from tests.assess.firmware.cert_builders import make_certificate
from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    blob = (
        b"\x7fELF"
        + b"\0" * 4000
        + make_certificate("cloud-client", key="rsa1024", issuer_key="ec")
        + b"\0" * 99
    )
    fs.write("/usr/bin/cloudd", blob, mode=0o755)
    return image_case(fs.root)

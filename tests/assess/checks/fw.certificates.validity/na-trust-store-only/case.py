"""Only Debian's CA bundle: public roots, summarised, nothing of the manufacturer's to judge."""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, image_case


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    fs.write("/etc/ssl/certs/ca-certificates.crt", Path("/etc/ssl/certs/ca-certificates.crt").read_bytes())
    return image_case(fs.root)

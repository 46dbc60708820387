"""The packaged library of ``pass-package-key``, but its bytes no longer match the recorded MD5.

The file was replaced after installation (by the device maker's build), so the key in it is
theirs: a failure, named as a key embedded in a shared library rather than a key file.
"""

from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, ec_private_key_pem, image_case

LIBRARY = "/usr/lib/x86_64-linux-gnu/libselftest.so.1"


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + (3).to_bytes(2, "little")  # ET_DYN
    fs.write(LIBRARY, header + b"\0" * 46 + ec_private_key_pem())
    recorded = "0123456789abcdef0123456789abcdef"  # what the package shipped: not this content
    fs.write("/var/lib/dpkg/info/libselftest1:amd64.md5sums", f"{recorded}  {LIBRARY.lstrip('/')}\n")
    return image_case(fs.root)

"""A shared library with a built-in test key, installed by a dpkg package and unchanged since.

The library's bytes match the MD5 its package recorded in ``/var/lib/dpkg/info/*.md5sums`` (the
case of ``libgnutls30``'s self-test keys on every Debian system): the key is the package's, not
the device maker's, so it is information, not a failure.
"""

import hashlib
from pathlib import Path

from tests.assess.firmware.fixture_builders import Case, RootFS, ec_private_key_pem, image_case

LIBRARY = "/usr/lib/x86_64-linux-gnu/libselftest.so.1"


def library() -> bytes:
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + (3).to_bytes(2, "little")  # ET_DYN
    return header + b"\0" * 46 + b"self-test key:\0" + ec_private_key_pem() + b"\0tail"


def build(tmp: Path) -> Case:
    fs = RootFS(tmp / "rootfs")
    data = library()
    fs.write(LIBRARY, data)
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    fs.write("/var/lib/dpkg/info/libselftest1:amd64.md5sums", f"{digest}  {LIBRARY.lstrip('/')}\n")
    return image_case(fs.root)

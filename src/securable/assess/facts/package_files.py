"""Which files a package manager installed, with the checksum the package itself recorded.

A key inside ``libgnutls.so`` (the library's self-test keys) or a sample credential in a file of
an upstream package is the same on every system that installs that package; it says nothing about
this device's secrets unless the file was changed. So a secret finding in a file whose content
still matches its package's recorded checksum is reported as belonging to the package, not as a
key baked in by the device maker. The recorded checksums read here:

* dpkg — ``/var/lib/dpkg/info/<package>.md5sums`` (MD5 of every shipped file except conffiles) and
  the ``Conffiles`` field of ``/var/lib/dpkg/status`` (MD5 of each conffile as shipped);
* apk (Alpine) — ``/lib/apk/db/installed``: ``R:`` file names under ``F:`` folders with their
  ``Z:Q1…`` checksum (base64 SHA-1);
* opkg (OpenWrt, Yocto) — only conffiles carry a checksum (``Conffiles`` in the status file, MD5 or
  SHA-256); other opkg files cannot be verified and are never taken as unchanged.

RPM databases are not read (no RPM-based device image has come up; the Berkeley DB/SQLite header
blobs need rpm's own library). A file the package manager lists without a checksum, or whose
content differs, is not vouched for: findings in it stay findings.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from debian.deb822 import Deb822

from securable.assess.model import ImageView

__all__ = ["PackagedFile", "read_packaged_files", "unchanged_owner"]

INDEX_LIMIT = 16 * 1024 * 1024  # one checksum list or package database
HASH_LIMIT = 1 << 30  # a file larger than this is not hashed (and so not vouched for)
DPKG_INFO = "/var/lib/dpkg/info/*.md5sums"
DPKG_STATUS = "/var/lib/dpkg/status"
OPKG_STATUS = ("/usr/lib/opkg/status", "/var/lib/opkg/status")
APK_INSTALLED = "/lib/apk/db/installed"
_HEX = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$")
_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256"}
#: merged-/usr aliases: a package may record /lib/x while the image keeps it at /usr/lib/x.
_USR_MERGED = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


@dataclass(frozen=True)
class PackagedFile:
    """A file as its package recorded it: ``manager`` is dpkg, opkg or apk; ``digest`` lowercase hex."""

    package: str
    manager: str
    algorithm: str
    digest: str
    record: str  # the database file the checksum came from


def _add(found: dict[str, PackagedFile], path: str, item: PackagedFile) -> None:
    path = "/" + path.lstrip("/").removeprefix("./")
    found.setdefault(path, item)


def _dpkg(image: ImageView, found: dict[str, PackagedFile]) -> None:
    for entry in image.glob(DPKG_INFO):
        text = image.read_text(entry.path, INDEX_LIMIT)
        if not text:
            continue
        package = entry.path.rsplit("/", 1)[1].removesuffix(".md5sums").split(":", 1)[0]
        for line in text.splitlines():
            digest, _sep, path = line.partition("  ")
            digest = digest.strip().lower()
            if path and _HEX.match(digest):
                _add(found, path, PackagedFile(package, "dpkg", _ALGORITHMS[len(digest)], digest, entry.path))


def _conffiles(image: ImageView, status: str, manager: str, found: dict[str, PackagedFile]) -> bool:
    text = image.read_text(status, INDEX_LIMIT)
    if text is None:
        return False
    for para in Deb822.iter_paragraphs(text.splitlines()):
        package = para.get("Package", "")
        for line in (para.get("Conffiles") or "").splitlines():
            parts = line.split()
            if package and len(parts) >= 2 and _HEX.match(parts[1].lower()):
                digest = parts[1].lower()
                _add(
                    found, parts[0], PackagedFile(package, manager, _ALGORITHMS[len(digest)], digest, status)
                )
    return True


def _apk(image: ImageView, found: dict[str, PackagedFile]) -> None:
    text = image.read_text(APK_INSTALLED, INDEX_LIMIT)
    if not text:
        return
    package = folder = name = ""
    for line in text.splitlines():
        key, _sep, value = line.partition(":")
        if key == "P":
            package, folder, name = value, "", ""
        elif key == "F":
            folder, name = value, ""
        elif key == "R":
            name = value
        elif key == "Z" and name and value.startswith("Q1"):
            try:
                digest = base64.b64decode(value[2:], validate=True).hex()
            except ValueError:
                continue
            if len(digest) == 40:
                path = f"{folder}/{name}" if folder else name
                _add(found, path, PackagedFile(package, "apk", "sha1", digest, APK_INSTALLED))
            name = ""


def read_packaged_files(image: ImageView) -> dict[str, PackagedFile]:
    """Every file some package manager recorded a checksum for, by image path."""
    found: dict[str, PackagedFile] = {}
    _dpkg(image, found)
    _conffiles(image, DPKG_STATUS, "dpkg", found)
    for status in OPKG_STATUS:
        if _conffiles(image, status, "opkg", found):
            break
    _apk(image, found)
    return found


def _candidates(path: str) -> list[str]:
    """``path`` and its merged-/usr twin (``/usr/lib/x`` ↔ ``/lib/x``)."""
    parts = path.lstrip("/").split("/", 2)
    if parts[0] == "usr" and len(parts) > 2 and parts[1] in _USR_MERGED:
        return [path, "/" + "/".join(parts[1:])]
    if parts[0] in _USR_MERGED and len(parts) > 1:
        return [path, "/usr" + path]
    return [path]


def unchanged_owner(image: ImageView, packaged: dict[str, PackagedFile], path: str) -> PackagedFile | None:
    """The package whose recorded checksum the file at ``path`` still matches; None when no package
    recorded one or the content differs (the file was changed or replaced after installation)."""
    for candidate in _candidates(path):
        item = packaged.get(candidate)
        if item is None:
            continue
        digest = hashlib.new(item.algorithm, usedforsecurity=False)  # the package's own choice
        reader = getattr(image, "iter_chunks", None)
        if callable(reader):
            for chunk in reader(path, 1 << 20, HASH_LIMIT):
                digest.update(chunk)
        else:
            digest.update(image.read_bytes(path, HASH_LIMIT) or b"")
        if digest.hexdigest() == item.digest:
            return item
    return None

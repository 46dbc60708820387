"""Verify a candidate password against a Unix crypt(3) hash, for every common format.

Why the system's libxcrypt through :mod:`ctypes`: it is the library the firmware itself uses to
check passwords, it implements every format an image may hold (DES, ``$1$`` MD5, ``$5$``/``$6$``
SHA-crypt, ``$y$`` yescrypt, ``$gy$``, ``$7$`` scrypt, ``$2b$`` bcrypt, ``$sha1$``, ``$md5``), and
it is maintained. The stdlib ``crypt`` module is deprecated (removed in Python 3.13) and passlib
is unmaintained and knows no yescrypt. ``crypt_rn`` is the thread-safe, non-failing-token entry
point. Where libxcrypt is missing, bcrypt hashes still verify through the ``bcrypt`` package; any
other format then reports "cannot verify" instead of guessing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hmac
from dataclasses import dataclass

_DATA_SIZE = 32768  # sizeof(struct crypt_data) in libxcrypt


@dataclass(frozen=True)
class HashScheme:
    """A crypt(3) format: its name and whether it is too weak to protect a password today."""

    name: str
    weak: bool
    reason: str = ""


def scheme_of(hashed: str) -> HashScheme:
    """Classify a crypt(3) hash string by its prefix."""
    if hashed.startswith("$y$"):
        return HashScheme("yescrypt", False)
    if hashed.startswith("$gy$"):
        return HashScheme("gost-yescrypt", False)
    if hashed.startswith("$7$"):
        return HashScheme("scrypt", False)
    if hashed.startswith(("$2b$", "$2a$", "$2y$", "$2x$")):
        return HashScheme("bcrypt", False)
    if hashed.startswith("$6$"):
        return HashScheme("sha512crypt", False)
    if hashed.startswith("$5$"):
        return HashScheme("sha256crypt", False)
    if hashed.startswith("$1$"):
        return HashScheme("md5crypt", True, "MD5-crypt is fast to brute-force on GPUs")
    if hashed.startswith("$md5"):
        return HashScheme("sunmd5", True, "SunMD5 is an obsolete MD5-based scheme")
    if hashed.startswith("$sha1$"):
        return HashScheme("sha1crypt", True, "SHA1-crypt is an obsolete NetBSD scheme")
    if hashed.startswith("$3$"):
        return HashScheme("nthash", True, "the NT hash is unsalted MD4")
    if hashed.startswith("_"):
        return HashScheme("bsdicrypt", True, "BSDi extended DES uses 8-character DES")
    if len(hashed) == 13 and not hashed.startswith("$"):
        return HashScheme("descrypt", True, "traditional DES crypt uses only 8 characters and a 12-bit salt")
    return HashScheme("unknown", False)


@functools.cache
def _libxcrypt() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("crypt")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
        fn = lib.crypt_rn
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_char_p
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    return lib


def crypt(password: str, setting: str) -> str | None:
    """crypt(3) of ``password`` with ``setting`` (a full hash works as setting); None if unsupported."""
    lib = _libxcrypt()
    if lib is None:
        return None
    buffer = ctypes.create_string_buffer(_DATA_SIZE)
    out = lib.crypt_rn(password.encode("utf-8"), setting.encode("ascii", "replace"), buffer, _DATA_SIZE)
    if not out or out.startswith(b"*"):
        return None
    return bytes(out).decode("ascii", "replace")


def make_setting(prefix: str, cost: int = 0) -> str | None:
    """A fresh salt/setting for ``prefix`` (``"$6$"``, ``"$y$"``, ``""`` for DES), from libxcrypt."""
    lib = _libxcrypt()
    if lib is None:
        return None
    fn = lib.crypt_gensalt_rn
    fn.restype = ctypes.c_char_p
    fn.argtypes = [
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
    ]
    out = ctypes.create_string_buffer(256)
    result = fn(prefix.encode("ascii"), cost, None, 0, out, 256)
    return None if not result else bytes(result).decode("ascii")


def hash_password(password: str, prefix: str, cost: int = 0) -> str | None:
    """A crypt(3) hash of ``password`` in the format ``prefix`` names (used to build test images)."""
    setting = make_setting(prefix, cost)
    return None if setting is None else crypt(password, setting)


def verify(password: str, hashed: str) -> bool | None:
    """True/False when the hash could be checked; None when no available library knows its format."""
    if hashed.startswith(("$2b$", "$2a$", "$2y$")) and _libxcrypt() is None:
        import bcrypt  # only needed where libxcrypt is missing

        try:
            return bool(bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii")))
        except ValueError:
            return None
    computed = crypt(password, hashed)
    if computed is None:
        return None
    return hmac.compare_digest(computed, hashed)

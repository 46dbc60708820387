"""Kernel configurations for the kernel-hardening tests: Debian's real configuration (package
linux-config-*, installed by scripts/bootstrap) as found, edited, or built into a kernel-like image
the way CONFIG_IKCONFIG does it (``IKCFG_ST`` + gzipped .config + ``IKCFG_ED``)."""

from __future__ import annotations

import gzip
import lzma
import os
from pathlib import Path

__all__ = ["debian_config", "ikconfig_image", "with_options"]


def debian_config() -> str:
    """Debian's amd64 kernel configuration, as the linux-config package ships it."""
    found = sorted(Path("/usr/src").glob("linux-config-*/config.amd64_none_amd64.xz"))
    assert found, "Debian's kernel configuration is missing: run ./scripts/bootstrap (linux-config-6.1)"
    return lzma.decompress(found[-1].read_bytes()).decode()


def with_options(config: str, **options: str | None) -> str:
    """``config`` with each ``CONFIG_<name>`` set to a value, or to "is not set" for ``None``."""
    lines = config.splitlines()
    for name, value in options.items():
        key = f"CONFIG_{name}"
        lines = [ln for ln in lines if not (ln.startswith(f"{key}=") or ln == f"# {key} is not set")]
        lines.append(f"{key}={value}" if value is not None else f"# {key} is not set")
    return "\n".join(lines) + "\n"


def ikconfig_image(config: str, *, compress: str = "") -> bytes:
    """A kernel-like image embedding ``config`` as CONFIG_IKCONFIG does; optionally the whole
    image compressed (``gzip`` as in ``Image.gz``/``zImage`` payloads, or ``xz``) after a stub."""
    body = os.urandom(256 * 1024) + b"IKCFG_ST" + gzip.compress(config.encode(), mtime=0) + b"IKCFG_ED"
    body += os.urandom(64 * 1024)
    if compress == "gzip":
        return b"\0" * 4096 + gzip.compress(body, mtime=0)
    if compress == "xz":
        return b"\0" * 4096 + lzma.compress(body, format=lzma.FORMAT_XZ)
    return body

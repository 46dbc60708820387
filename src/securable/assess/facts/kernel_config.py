"""The Linux kernel's build configuration, wherever the image keeps it.

Three places, all read from the shared byte pass:

* a ``.config`` or a ``config-<version>`` file (``/boot/config-6.1.0-13-arm64``), also gzipped
  (``config.gz``, the file ``/proc/config.gz`` serves, copied into the image);
* the configuration built into the kernel itself (``CONFIG_IKCONFIG``): the marker ``IKCFG_ST``
  followed by the gzipped ``.config`` (what ``scripts/extract-ikconfig`` reads);
* the same inside a compressed kernel image (``zImage``, ``bzImage``, ``vmlinuz``, ``Image.gz``):
  the gzip or xz payload is decompressed, bounded by :data:`KERNEL_OUT_LIMIT`, and searched for
  the marker.
"""

from __future__ import annotations

import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from securable.assess.model import ImageFile

__all__ = ["KERNEL_CONFIG", "KernelConfig", "KernelConfigMatcher", "parse_config"]

KERNEL_LIMIT = 64 * 1024 * 1024  # kernel images read; embedded kernels are 2–15 MiB
KERNEL_OUT_LIMIT = 96 * 1024 * 1024  # bytes a kernel payload may decompress to
CONFIG_LIMIT = 4 * 1024 * 1024  # bytes a configuration may decompress to
_MARKER = b"IKCFG_ST"
_MARKER_END = b"IKCFG_ED"
_GZIP = b"\x1f\x8b\x08"
_XZ = b"\xfd7zXZ\x00"
_PAYLOAD_TRIES = 4  # compressed-payload candidates tried per kernel image
_KERNEL_NAMES = re.compile(
    r"(^|/)(vmlinu[xz][^/]*|[bz]Image[^/]*|uImage[^/]*|Image(\.gz)?|kernel[^/]*\.(img|bin)|kernel|linux\.bin"
    r"|boot\.img|fitImage[^/]*)$"
)
_CONFIG_NAMES = re.compile(r"(^|/)(\.config|config-[^/]+|config\.gz|kernel-config[^/]*|defconfig)$")
_LINE = re.compile(r"^(CONFIG_[A-Za-z0-9_]+)=(.*)$|^# (CONFIG_[A-Za-z0-9_]+) is not set$")


@dataclass(frozen=True)
class KernelConfig:
    """One kernel configuration: where it was found, how, and its options (``y``/``m``/value)."""

    path: str
    source: str  # config-file | ikconfig
    options: dict[str, str] = field(compare=False)
    unset: frozenset[str] = field(default=frozenset(), compare=False)

    def value(self, option: str) -> str | None:
        """``y``, ``m``, a value, or ``None`` when the option is off or absent."""
        return self.options.get(option)

    @property
    def arch(self) -> str:
        """The architecture the configuration was made for (``x86``, ``arm64``, …; ``""`` unknown)."""
        for option, arch in (
            ("CONFIG_ARM64", "arm64"),
            ("CONFIG_X86", "x86"),
            ("CONFIG_ARM", "arm"),
            ("CONFIG_MIPS", "mips"),
            ("CONFIG_RISCV", "riscv"),
            ("CONFIG_PPC", "powerpc"),
            ("CONFIG_S390", "s390"),
        ):
            if self.options.get(option) == "y":
                return arch
        return ""


def parse_config(text: str) -> tuple[dict[str, str], frozenset[str]]:
    """``.config`` text → (set options, options explicitly not set)."""
    options: dict[str, str] = {}
    unset: set[str] = set()
    for raw in text.splitlines():
        match = _LINE.match(raw.strip()[:4096])
        if match is None:
            continue
        if match.group(1):
            options[match.group(1)] = match.group(2).strip().strip('"')
        else:
            unset.add(match.group(3))
    return options, frozenset(unset)


def _bounded_gunzip(data: bytes, limit: int) -> bytes:
    """The first gzip member of ``data``, at most ``limit`` bytes of it (trailing bytes ignored)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return inflater.decompress(data, limit)
    except zlib.error:
        return b""


def _bounded_unxz(data: bytes, limit: int) -> bytes:
    try:
        return lzma.LZMADecompressor().decompress(data, limit)
    except lzma.LZMAError:
        return b""


def _looks_like_config(options: dict[str, str]) -> bool:
    return len(options) >= 20  # a real .config sets hundreds; a stray CONFIG_ line is not one


def _ikconfig(data: bytes) -> str | None:
    """The configuration embedded after ``IKCFG_ST`` in an uncompressed kernel, if any."""
    at = data.find(_MARKER)
    while at >= 0:
        body = data[at + len(_MARKER) :]
        end = body.find(_MARKER_END, 0, CONFIG_LIMIT)
        blob = body[:end] if end > 0 else body[:CONFIG_LIMIT]
        if blob.startswith(_GZIP):
            text = _bounded_gunzip(blob, CONFIG_LIMIT)
            if text:
                return text.decode("utf-8", "replace")
        at = data.find(_MARKER, at + len(_MARKER))
    return None


def _payloads(data: bytes) -> Iterator[bytes]:
    """Decompressed gzip/xz payloads of a compressed kernel image, first candidates first."""
    candidates = sorted(
        (offset, magic) for magic in (_GZIP, _XZ) for offset in _offsets(data, magic, _PAYLOAD_TRIES)
    )
    for offset, magic in candidates[:_PAYLOAD_TRIES]:
        chunk = data[offset:]
        out = (
            _bounded_gunzip(chunk, KERNEL_OUT_LIMIT)
            if magic == _GZIP
            else _bounded_unxz(chunk, KERNEL_OUT_LIMIT)
        )
        if len(out) > 4096:
            yield out


def _offsets(data: bytes, needle: bytes, most: int) -> list[int]:
    found: list[int] = []
    at = data.find(needle)
    while at >= 0 and len(found) < most:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


def read_kernel_config(path: str, data: bytes) -> KernelConfig | None:
    """The configuration ``data`` holds or embeds, if any."""
    if _CONFIG_NAMES.search(path):
        raw = _bounded_gunzip(data, CONFIG_LIMIT) if data.startswith(_GZIP) else data[:CONFIG_LIMIT]
        options, unset = parse_config(raw.decode("utf-8", "replace"))
        if _looks_like_config(options):
            return KernelConfig(path, "config-file", options, unset)
        return None
    text = _ikconfig(data)
    if text is None:
        for payload in _payloads(data):
            text = _ikconfig(payload)
            if text is not None:
                break
    if text is None:
        return None
    options, unset = parse_config(text)
    return KernelConfig(path, "ikconfig", options, unset) if _looks_like_config(options) else None


def is_kernel_image_name(path: str) -> bool:
    """True for the names kernels go by in root filesystems, boot partitions and unpacked blobs."""
    return _KERNEL_NAMES.search(path) is not None


@dataclass(frozen=True)
class KernelConfigMatcher:
    """Kernel configuration discovery as a consumer of the shared byte pass (:mod:`.content`)."""

    name: str = "kernel-config"
    limit: int = KERNEL_LIMIT

    def wants(self, entry: ImageFile) -> bool:
        if _CONFIG_NAMES.search(entry.path):
            return entry.size <= CONFIG_LIMIT
        return is_kernel_image_name(entry.path) and entry.size >= 64 * 1024

    def scan(self, entry: ImageFile, data: bytes) -> Iterator[KernelConfig]:
        try:
            config = read_kernel_config(entry.path, data)
        except Exception:  # a hostile file must not end the pass every matcher shares
            return
        if config is not None:
            yield config


KERNEL_CONFIG = KernelConfigMatcher()

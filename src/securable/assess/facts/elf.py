"""Binary hardening of the image's ELF files, read from the shared byte pass with pyelftools.

For every ELF executable and shared library the pass hands over, :class:`ElfMatcher` records
what ``checksec`` would show: a non-executable stack (``PT_GNU_STACK`` without ``PF_X``),
position independence (``ET_DYN`` with an interpreter or ``DF_1_PIE``), RELRO (``PT_GNU_RELRO``;
*full* with immediate binding), the stack protector and FORTIFY_SOURCE (references to
``__stack_chk_fail`` / ``__*_chk`` in the dynamic string table, or the symbol table of a static
binary that kept it), ``RPATH``/``RUNPATH`` and whether the symbol table was stripped.

What is read, and what is not: program headers sit at the start of a file, the dynamic segment
and section headers near the end. The matcher asks for :data:`ELF_LIMIT` bytes, which covers
whole binaries of typical embedded images (BusyBox, dropbear, dnsmasq, lighttpd and most
libraries are far smaller; on a Debian system 1,750 of 1,753 ELF files are). The bytes are the
ones the pass reads for the secret scan anyway; pyelftools reads only the headers, the dynamic
segment and the string tables out of them. A larger binary is analysed
from the part read: each property that lay beyond it is ``None`` and the row says ``partial``.
Every value comes from a hostile file: a parse error makes the row say ``error``, never the run.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from elftools.common.exceptions import ELFError, ELFParseError
from elftools.elf.dynamic import DynamicSegment
from elftools.elf.elffile import ELFFile

from securable.assess.model import ImageFile

__all__ = ["ELF_LIMIT", "ELF_MATCHER", "ElfBinary", "ElfMatcher", "analyse_elf"]

ELF_LIMIT = 32 * 1024 * 1024  # whole files for 99.8 % of a Debian system's ELF files
_MAGIC = b"\x7fELF"
_PF_X = 0x1
_DF_BIND_NOW = 0x8
_DF_1_NOW = 0x1
_DF_1_PIE = 0x08000000
_CANARY = re.compile(rb"(?:^|\x00)__stack_chk_(?:fail|guard)(?:_local)?\x00")
_FORTIFIED = re.compile(rb"\x00__([a-z0-9_]{2,40})_chk\x00")
_PARSE_ERRORS = (ELFError, ELFParseError, struct.error, ValueError, KeyError, IndexError, AssertionError)
_LIBRARY_NAME = re.compile(r"\.so(\.\d+)*$")


@dataclass(frozen=True)
class ElfBinary:
    """The hardening of one ELF file. ``None`` means "could not be read" (see ``partial``).

    ``kind``: ``executable`` (has an interpreter or is ``ET_EXEC``/static PIE) or ``library``.
    ``relro``: ``none`` / ``partial`` / ``full``. ``pie`` is ``None`` for a library (it is
    position independent by nature).
    """

    path: str
    size: int
    kind: str
    machine: str
    bits: int
    static: bool
    nx: bool | None
    pie: bool | None
    relro: str | None
    canary: bool | None
    fortify: bool | None
    fortified: tuple[str, ...] = ()
    rpath: str = ""
    runpath: str = ""
    stripped: bool | None = None
    partial: bool = False
    error: str = ""
    needed: tuple[str, ...] = field(default=(), compare=False)

    def lacks(self) -> tuple[str, ...]:
        """The exploit mitigations (NX, PIE, RELRO) this binary is known to lack."""
        missing = []
        if self.nx is False:
            missing.append("NX")
        if self.kind == "executable" and self.pie is False:
            missing.append("PIE")
        if self.relro == "none":
            missing.append("RELRO")
        return tuple(missing)

    def to_json(self) -> dict[str, Any]:
        """One row of the hardening table (``report.json``)."""
        row: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind,
            "machine": self.machine,
            "bits": self.bits,
            "static": self.static,
            "nx": self.nx,
            "pie": self.pie,
            "relro": self.relro,
            "stack_protector": self.canary,
            "fortify_source": self.fortify,
            "stripped": self.stripped,
            "size": self.size,
        }
        if self.fortified:
            row["fortified_functions"] = len(self.fortified)
        if self.rpath:
            row["rpath"] = self.rpath
        if self.runpath:
            row["runpath"] = self.runpath
        if self.partial:
            row["partial"] = f"only the first {ELF_LIMIT} bytes were read; unknown values are null"
        if self.error:
            row["error"] = self.error
        return row


def _patch_section_headers(data: bytes) -> bytes:
    """``data`` with its section header table removed from the ELF header (it lies past the end)."""
    little = data[5] == 1
    end = "<" if little else ">"
    if data[4] == 2:  # ELFCLASS64
        head = bytearray(data[:64])
        struct.pack_into(end + "Q", head, 0x28, 0)
        struct.pack_into(end + "HH", head, 0x3C, 0, 0)
    else:
        head = bytearray(data[:52])
        struct.pack_into(end + "I", head, 0x20, 0)
        struct.pack_into(end + "HH", head, 0x30, 0, 0)
    return bytes(head) + data[len(head) :]


def _section_table_fits(elf: ELFFile, size: int) -> bool:
    header = elf.header
    return bool(header.e_shoff + header.e_shnum * header.e_shentsize <= size)


def _strings_of_dynamic(elf: ELFFile, dynamic: DynamicSegment, data: bytes) -> bytes:
    """The dynamic string table, found through ``DT_STRTAB``/``DT_STRSZ`` (no section headers needed)."""
    address = size = None
    for tag in dynamic.iter_tags():
        if tag.entry.d_tag == "DT_STRTAB":
            address = tag.entry.d_val
        elif tag.entry.d_tag == "DT_STRSZ":
            size = tag.entry.d_val
    if address is None or not size:
        return b""
    for offset in elf.address_offsets(address):
        return data[offset : offset + min(size, len(data))]
    return b""


def _row(entry: ImageFile, data: bytes) -> ElfBinary:
    truncated = len(data) < entry.size
    stream_data = data
    try:
        elf = ELFFile(io.BytesIO(data))
        sections_ok = _section_table_fits(elf, len(data))
    except _PARSE_ERRORS:
        sections_ok = False
    if not sections_ok:
        stream_data = _patch_section_headers(data)
        elf = ELFFile(io.BytesIO(stream_data))
    e_type = elf.header.e_type
    if e_type not in ("ET_EXEC", "ET_DYN"):
        raise _NotAProgram(e_type)
    segments = list(elf.iter_segments())
    types = {s["p_type"] for s in segments}
    interp = "PT_INTERP" in types
    stack = next((s for s in segments if s["p_type"] == "PT_GNU_STACK"), None)
    nx = stack is not None and not stack["p_flags"] & _PF_X
    dynamic = next((s for s in segments if isinstance(s, DynamicSegment)), None)
    partial = False
    flags = flags_1 = 0
    bind_now = False
    rpath = runpath = ""
    needed: list[str] = []
    dynstr = b""
    if dynamic is not None:
        if dynamic["p_offset"] + dynamic["p_filesz"] > len(data):
            partial = True
        else:
            for tag in dynamic.iter_tags():
                name = tag.entry.d_tag
                if name == "DT_FLAGS":
                    flags = tag.entry.d_val
                elif name == "DT_FLAGS_1":
                    flags_1 = tag.entry.d_val
                elif name == "DT_BIND_NOW":
                    bind_now = True
                elif name == "DT_RPATH":
                    rpath = str(getattr(tag, "rpath", ""))
                elif name == "DT_RUNPATH":
                    runpath = str(getattr(tag, "runpath", ""))
                elif name == "DT_NEEDED":
                    needed.append(str(getattr(tag, "needed", "")))
            dynstr = _strings_of_dynamic(elf, dynamic, stream_data)
    pie_flag = bool(flags_1 & _DF_1_PIE)
    if e_type == "ET_EXEC":
        kind, pie = "executable", False
    elif interp or pie_flag:
        kind, pie = "executable", True
    elif _LIBRARY_NAME.search(entry.path) or dynamic is not None:
        kind, pie = "library", None
    else:
        kind, pie = "executable", None  # ET_DYN without interpreter or flags: cannot tell
    bind_now = bind_now or bool(flags & _DF_BIND_NOW) or bool(flags_1 & _DF_1_NOW)
    if "PT_GNU_RELRO" not in types:
        relro: str | None = "none"
    elif dynamic is not None and partial:
        relro = None  # RELRO is there; whether binding is immediate lay beyond what was read
    else:
        relro = "full" if bind_now else "partial"
    symtab = elf.get_section_by_name(".symtab") if sections_ok else None
    if sections_ok:
        stripped: bool | None = symtab is None
    else:
        stripped = None if truncated else True  # no section headers at all (sstrip) keep no symbols
    strings = dynstr
    if symtab is not None:
        strtab = elf.get_section_by_name(".strtab")
        if strtab is not None and strtab["sh_offset"] + strtab["sh_size"] <= len(data):
            strings += b"\x00" + strtab.data()
    if strings:
        canary: bool | None = _CANARY.search(strings) is not None
        fortified = tuple(sorted({m.decode("ascii") for m in _FORTIFIED.findall(strings)} - {"stack"}))
        fortify: bool | None = bool(fortified)
    elif dynamic is None and stripped is not False:
        canary = fortify = None  # a stripped static binary keeps no names to look at
        fortified = ()
    else:
        canary = fortify = None if partial else False
        fortified = ()
    return ElfBinary(
        path=entry.path,
        size=entry.size,
        kind=kind,
        machine=str(elf["e_machine"]).removeprefix("EM_"),
        bits=int(elf.elfclass),
        static=not interp and dynamic is None,
        nx=nx,
        pie=pie,
        relro=relro,
        canary=canary,
        fortify=fortify,
        fortified=fortified,
        rpath=rpath,
        runpath=runpath,
        stripped=stripped,
        partial=partial or (truncated and not sections_ok),
        needed=tuple(needed),
    )


class _NotAProgram(Exception):
    """An ELF object that is neither an executable nor a shared library (``.o``, ``.ko``, core)."""


def analyse_elf(entry: ImageFile, data: bytes) -> ElfBinary | None:
    """The hardening row of one file (``None`` when it is no ELF program or library)."""
    if len(data) < 52 or not data.startswith(_MAGIC) or data[4] not in (1, 2) or data[5] not in (1, 2):
        return None
    try:
        return _row(entry, data)
    except _NotAProgram:
        return None
    except Exception as exc:  # a hostile file must not end the pass every matcher shares
        return ElfBinary(
            path=entry.path,
            size=entry.size,
            kind="unknown",
            machine="",
            bits=0,
            static=False,
            nx=None,
            pie=None,
            relro=None,
            canary=None,
            fortify=None,
            error=f"not a readable ELF file ({type(exc).__name__}: {str(exc)[:120]})",
        )


@dataclass(frozen=True)
class ElfMatcher:
    """Binary hardening as a consumer of the shared byte pass (:mod:`.content`).

    Wants executables (any execute bit) and files named like shared libraries; the ELF magic is
    checked in :meth:`scan` on the bytes the pass read anyway.
    """

    name: str = "elf-hardening"
    limit: int = ELF_LIMIT

    def wants(self, entry: ImageFile) -> bool:
        if entry.size < 52:
            return False
        return bool(entry.mode & 0o111) or _LIBRARY_NAME.search(entry.path) is not None

    def scan(self, entry: ImageFile, data: bytes) -> Iterator[ElfBinary]:
        row = analyse_elf(entry, data)
        if row is not None:
            yield row


ELF_MATCHER = ElfMatcher()

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
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import Segment

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


def _section_table(data: bytes) -> tuple[int, int, int]:
    """``(e_shoff, e_shnum, e_shentsize)`` straight from the ELF header."""
    end = "<" if data[5] == 1 else ">"
    if data[4] == 2:  # ELFCLASS64
        (shoff,) = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
    else:
        (shoff,) = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
    return shoff, shnum, shentsize


def _without_section_table(data: bytes) -> bytes:
    """``data`` with the section header table removed from the ELF header.

    pyelftools then works from the program headers alone — the view the loader has, available
    even when the section table lies beyond what was read or was stripped (``sstrip``) — and does
    not parse every section header for each lookup, which made up most of its cost per file.
    """
    end = "<" if data[5] == 1 else ">"
    if data[4] == 2:  # ELFCLASS64
        head = bytearray(data[:64])
        struct.pack_into(end + "Q", head, 0x28, 0)
        struct.pack_into(end + "HH", head, 0x3C, 0, 0)
    else:
        head = bytearray(data[:52])
        struct.pack_into(end + "I", head, 0x20, 0)
        struct.pack_into(end + "HH", head, 0x30, 0, 0)
    return bytes(head) + data[len(head) :]


_SHT_SYMTAB = 2


def _symbol_strings(elf: ELFFile, data: bytes) -> tuple[bool | None, bytes]:
    """Whether the file keeps a symbol table (``.symtab``), and that table's string table.

    ``None`` when the section header table lies beyond what was read. The section headers are
    parsed with pyelftools' own ``Elf_Shdr`` structure, only the symbol table's and its strings'.
    """
    shoff, shnum, shentsize = _section_table(data)
    if shnum == 0 or shoff == 0:
        return True, b""  # no section table at all (sstrip): no symbols kept
    if shoff + shnum * shentsize > len(data) or shentsize < 16:
        return None, b""
    end = "<" if data[5] == 1 else ">"
    shdr = elf.structs.Elf_Shdr
    for index in range(min(shnum, 4096)):
        offset = shoff + index * shentsize
        (sh_type,) = struct.unpack_from(end + "I", data, offset + 4)
        if sh_type != _SHT_SYMTAB:
            continue
        link = shdr.parse(data[offset : offset + shentsize])["sh_link"]
        if link >= shnum:
            return False, b""
        strtab = shdr.parse(data[shoff + link * shentsize : shoff + (link + 1) * shentsize])
        start, size = strtab["sh_offset"], strtab["sh_size"]
        return False, data[start : start + size] if start + size <= len(data) else b""
    return True, b""


_DT = {1: "needed", 5: "strtab", 10: "strsz", 15: "rpath", 24: "bind_now", 29: "runpath", 30: "flags"}
_DT_FLAGS_1 = 0x6FFFFFFB
_MAX_TAGS = 4096


def _dynamic_tags(segment: Segment, data: bytes) -> dict[str, list[int]]:
    """The dynamic array of ``segment`` as tag name → values, up to ``DT_NULL``.

    Decoded with ``struct`` over the segment's bytes: pyelftools' tag iterator resolves a string
    table for every tag, which was most of the cost of reading a file.
    """
    little = data[5] == 1
    fmt = ("<" if little else ">") + ("qQ" if data[4] == 2 else "iI")
    start, size = segment["p_offset"], segment["p_filesz"]
    table = data[start : start + min(size, _MAX_TAGS * struct.calcsize(fmt))]
    table = table[: len(table) - len(table) % struct.calcsize(fmt)]
    tags: dict[str, list[int]] = {}
    for tag, value in struct.iter_unpack(fmt, table):
        if tag == 0:
            break
        name = "flags_1" if tag == _DT_FLAGS_1 else _DT.get(tag)
        if name:
            tags.setdefault(name, []).append(value)
    return tags


def _string_at(strings: bytes, offset: int) -> str:
    if offset >= len(strings):
        return ""
    end = strings.find(b"\x00", offset)
    return strings[offset : end if end >= 0 else len(strings)][:4096].decode("utf-8", "replace")


def _dynamic_strings(elf: ELFFile, tags: dict[str, list[int]], data: bytes) -> bytes:
    """The dynamic string table, found through ``DT_STRTAB``/``DT_STRSZ`` and the load segments."""
    if not tags.get("strtab") or not tags.get("strsz"):
        return b""
    size = tags["strsz"][0]
    for offset in elf.address_offsets(tags["strtab"][0]):
        return data[offset : offset + min(size, len(data))]
    return b""


def _row(entry: ImageFile, data: bytes) -> ElfBinary:
    truncated = len(data) < entry.size
    elf = ELFFile(io.BytesIO(_without_section_table(data)))
    e_type = elf.header.e_type
    if e_type not in ("ET_EXEC", "ET_DYN"):
        raise _NotAProgram(e_type)
    segments = list(elf.iter_segments())
    types = {s["p_type"] for s in segments}
    interp = "PT_INTERP" in types
    stack = next((s for s in segments if s["p_type"] == "PT_GNU_STACK"), None)
    nx = stack is not None and not stack["p_flags"] & _PF_X
    dynamic = next((s for s in segments if s["p_type"] == "PT_DYNAMIC"), None)
    partial = False
    flags = flags_1 = 0
    bind_now = False
    rpath = runpath = ""
    needed: tuple[str, ...] = ()
    dynstr = b""
    if dynamic is not None:
        if dynamic["p_offset"] + dynamic["p_filesz"] > len(data):
            partial = True
        else:
            tags = _dynamic_tags(dynamic, data)
            flags = tags.get("flags", [0])[0]
            flags_1 = tags.get("flags_1", [0])[0]
            bind_now = "bind_now" in tags
            dynstr = _dynamic_strings(elf, tags, data)
            rpath = ":".join(_string_at(dynstr, v) for v in tags.get("rpath", []))
            runpath = ":".join(_string_at(dynstr, v) for v in tags.get("runpath", []))
            needed = tuple(_string_at(dynstr, v) for v in tags.get("needed", []))
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
    stripped, symbol_strings = _symbol_strings(elf, data)
    if stripped is None and not truncated:
        stripped = True  # a section table pointing past the end of the file holds nothing
    strings = dynstr + (b"\x00" + symbol_strings if symbol_strings else b"")
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
        partial=partial or (truncated and stripped is None),
        needed=needed,
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

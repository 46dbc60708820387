"""The ELF hardening reader against programs whose build is known: compiled here with gcc, and
Debian's own binaries. The truth comes from the compiler flags, not from hand-made headers."""

from __future__ import annotations

import os
import shutil
import stat
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from securable.assess.facts.content import content_pass
from securable.assess.facts.elf import ELF_MATCHER, ElfBinary, analyse_elf
from securable.assess.model import FileKind, ImageFile
from securable.assess.targets.firmware import FirmwareImage
from tests.assess.firmware.elf_builders import HARDENED, UNHARDENED, compile_program


def _read(path: Path, limit: int = 1 << 30, as_path: str | None = None) -> ElfBinary | None:
    st = path.stat()
    entry = ImageFile(as_path or f"/usr/bin/{path.name}", FileKind.FILE, st.st_mode, st.st_size)
    return analyse_elf(entry, path.read_bytes()[:limit])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("elf")
    return {
        "hardened": compile_program(out / "hardened", HARDENED),
        "bare": compile_program(out / "bare", UNHARDENED),
        "partial-relro": compile_program(
            out / "partial-relro", ["-O2", "-fPIE", "-pie", "-Wl,-z,relro,-z,lazy"]
        ),
        "stripped": compile_program(out / "stripped", HARDENED, strip=True),
        "rpath": compile_program(
            out / "rpath", ["-O2", "-Wl,-rpath,/opt/vendor/lib", "-Wl,--disable-new-dtags"]
        ),
        "runpath": compile_program(
            out / "runpath", ["-O2", "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--enable-new-dtags"]
        ),
        "static": compile_program(out / "static", ["-O2", "-static", "-fstack-protector-strong"]),
    }


def test_hardened_build_has_every_mitigation(built: dict[str, Path]) -> None:
    row = _read(built["hardened"])
    assert row is not None
    assert (row.kind, row.nx, row.pie, row.relro, row.canary, row.fortify) == (
        "executable",
        True,
        True,
        "full",
        True,
        True,
    )
    assert "strcpy" in row.fortified or "printf" in row.fortified
    assert row.stripped is False and row.lacks() == ()


def test_unhardened_build_lacks_nx_pie_relro_canary(built: dict[str, Path]) -> None:
    row = _read(built["bare"])
    assert row is not None
    assert (row.nx, row.pie, row.relro, row.canary, row.fortify) == (False, False, "none", False, False)
    assert row.lacks() == ("NX", "PIE", "RELRO")


def test_lazy_binding_is_partial_relro(built: dict[str, Path]) -> None:
    row = _read(built["partial-relro"])
    assert row is not None and row.relro == "partial" and row.pie is True


def test_stripped_binary_keeps_its_dynamic_names(built: dict[str, Path]) -> None:
    row = _read(built["stripped"])
    assert row is not None and row.stripped is True and row.canary is True


def test_rpath_and_runpath(built: dict[str, Path]) -> None:
    rpath, runpath = _read(built["rpath"]), _read(built["runpath"])
    assert rpath is not None and rpath.rpath == "/opt/vendor/lib" and rpath.runpath == ""
    assert runpath is not None and runpath.runpath == "$ORIGIN/../lib" and runpath.rpath == ""


def test_static_binary(built: dict[str, Path]) -> None:
    row = _read(built["static"])
    assert row is not None and row.static is True and row.kind == "executable"
    assert row.canary is True  # the symbol table was kept


def test_truncated_read_is_partial_not_wrong(built: dict[str, Path]) -> None:
    path = built["hardened"]
    row = _read(path, limit=4096)
    assert row is not None and row.partial is True
    assert row.nx is True and row.pie is True  # program headers are at the start
    assert row.relro is None and row.stripped is None  # what lay beyond the read is unknown


def test_program_headers_beyond_the_file_are_an_error_row_not_a_crash(
    tmp_path: Path, built: dict[str, Path]
) -> None:
    head = bytearray(built["hardened"].read_bytes()[:64])
    struct.pack_into("<Q", head, 0x20, 0xFFFF_FFFF_00)  # e_phoff far past the end
    junk = tmp_path / "junk"
    junk.write_bytes(bytes(head) + b"\0" * 200)
    row = _read(junk)
    assert row is not None and row.error and row.nx is None


def test_unknown_object_type_is_ignored(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x7fELF\x02\x01\x01" + b"\xff" * 200)
    assert _read(junk) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_binaries_never_raise(built: dict[str, Path], data: st.DataObject) -> None:
    """Hostile input: flipped bytes in the headers give a row or nothing, never an exception."""
    raw = bytearray(built["hardened"].read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, min(len(raw) - 1, 4096)))
        raw[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(52, len(raw)))
    entry = ImageFile("/usr/bin/x", FileKind.FILE, 0o755, len(raw))
    analyse_elf(entry, bytes(raw[:cut]))


def test_not_elf_and_object_files_are_ignored(tmp_path: Path) -> None:
    script = tmp_path / "script"
    script.write_bytes(b"#!/bin/sh\necho hi\n" * 10)
    assert _read(script) is None
    source = tmp_path / "o.c"
    source.write_text("int f(void) { return 1; }\n")
    obj = tmp_path / "o.o"
    os.system(f"gcc -c -o {obj} {source}")  # noqa: S605 - fixed arguments, test-owned paths
    assert _read(obj) is None  # a relocatable object is no program


@pytest.mark.parametrize("program", ["/usr/bin/ls", "/usr/sbin/sshd", "/usr/bin/gpgv"])
def test_debian_binaries_are_hardened(program: str) -> None:
    """Debian builds with PIE, NX, RELRO and the stack protector (dpkg-buildflags)."""
    path = Path(program)
    if not path.exists():
        pytest.skip(f"{program} is not installed")
    row = _read(path, as_path=program)
    assert row is not None
    assert (row.kind, row.nx, row.pie, row.canary) == ("executable", True, True, True)
    assert row.relro in ("partial", "full") and row.stripped is True


def test_debian_shared_library_is_a_library() -> None:
    libz = next(Path("/usr/lib/x86_64-linux-gnu").glob("libz.so.1.*"), None) or next(
        Path("/lib").glob("*/libz.so.1.*"), None
    )
    if libz is None:
        pytest.skip("zlib is not installed")
    row = _read(libz, as_path=f"/usr/lib/{libz.name}")
    assert row is not None and row.kind == "library" and row.pie is None and row.nx is True


def test_matcher_rides_on_the_shared_pass(tmp_path: Path, built: dict[str, Path]) -> None:
    root = tmp_path / "root"
    (root / "usr/sbin").mkdir(parents=True)
    (root / "etc").mkdir()
    shutil.copy(built["bare"], root / "usr/sbin/netd")
    shutil.copy(built["hardened"], root / "usr/sbin/webd")
    (root / "etc/motd").write_text("not a program\n")
    (root / "usr/sbin/notexec").write_bytes(built["bare"].read_bytes())
    (root / "usr/sbin/notexec").chmod(stat.S_IRUSR)
    with FirmwareImage.open(root) as image:
        rows = content_pass(image, [ELF_MATCHER]).of(ELF_MATCHER)
    assert sorted(r.path for r in rows) == ["/usr/sbin/netd", "/usr/sbin/webd"]

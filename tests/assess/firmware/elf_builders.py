"""Real ELF programs for the hardening tests, compiled at test time with Debian's gcc.

Each build flag set gives a program whose hardening is known from how it was built — the truth
the ELF reader is checked against, instead of hand-made headers.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["HARDENED", "UNHARDENED", "compile_program", "have_gcc", "rootfs_with_programs"]

SOURCE = r"""
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    char buf[64];
    if (argc > 1) {
        strcpy(buf, argv[1]);
        printf("%s\n", buf);
    }
    return 0;
}
"""

HARDENED = (
    "-O2",
    "-fPIE",
    "-pie",
    "-fstack-protector-strong",
    "-D_FORTIFY_SOURCE=2",
    "-Wl,-z,relro,-z,now",
    "-Wl,-z,noexecstack",
)
UNHARDENED = (
    "-O0",
    "-fno-pie",
    "-no-pie",
    "-fno-stack-protector",
    "-U_FORTIFY_SOURCE",
    "-Wl,-z,norelro",
    "-Wl,-z,execstack",
)


def have_gcc() -> bool:
    return shutil.which("gcc") is not None


def compile_program(out: Path, flags: tuple[str, ...] | list[str], *, strip: bool = False) -> Path:
    """Compile the small test program into ``out`` with ``flags`` (gcc from scripts/bootstrap)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    source = out.parent / f".{out.name}.c"
    source.write_text(SOURCE)
    try:
        subprocess.run(
            ["gcc", *flags, "-o", str(out), str(source)], check=True, capture_output=True, timeout=120
        )
    finally:
        source.unlink()
    if strip:
        subprocess.run(["strip", str(out)], check=True, capture_output=True, timeout=60)
    out.chmod(0o755)
    return out


def rootfs_with_programs(
    root: Path,
    programs: dict[str, tuple[str, ...] | Path],
    files: dict[str, str] | None = None,
) -> Path:
    """A root filesystem at ``root`` holding compiled programs (flags) or copied real binaries (a path),
    plus text files (init scripts, inittab)."""
    for image_path, what in programs.items():
        target = root / image_path.lstrip("/")
        if isinstance(what, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(what, target)
            target.chmod(0o755)
        else:
            compile_program(target, what)
    for image_path, text in (files or {}).items():
        target = root / image_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        if "/init.d/" in image_path:
            target.chmod(0o755)
    return root

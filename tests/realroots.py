"""Real root filesystems for the slow tests and the benchmarks, built once and cached.

A Debian minbase tree is what a device maker starting from Debian ships before adding their own
software; assessing it must give only FAILs a security engineer would agree with. It is built with
``debootstrap --variant=minbase`` from the mirror the machine's apt is already configured with
(``/etc/apt/sources.list*``), so nothing new is contacted, and kept under
``~/.cache/securable/rootfs/`` (``$XDG_CACHE_HOME`` respected) between runs: the first build takes
about a minute, later runs reuse it. The downloaded ``.deb`` files are removed, as an image builder
would, so the tree holds what a device would hold.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

__all__ = ["RootfsUnavailable", "apt_mirror", "cache_root", "debian_minbase"]

SUITE = "bookworm"


class RootfsUnavailable(RuntimeError):
    """The tree cannot be built here (no debootstrap, not root, no mirror); the message says why."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "securable" / "rootfs"


def apt_mirror(etc_apt: Path = Path("/etc/apt")) -> str:
    """The main Debian mirror apt uses here: from deb822 ``.sources`` files or one-line ``sources.list``."""
    candidates: list[Path] = []
    if (etc_apt / "sources.list").is_file():
        candidates.append(etc_apt / "sources.list")
    candidates.extend(sorted((etc_apt / "sources.list.d").glob("*.sources")))
    candidates.extend(sorted((etc_apt / "sources.list.d").glob("*.list")))
    for path in candidates:
        text = path.read_text(errors="replace")
        for uri in re.findall(r"(?m)^\s*URIs:\s*(\S+)", text) + re.findall(
            r"(?m)^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+", text
        ):
            if "security" not in uri and "debian" in uri:
                return uri
    raise RootfsUnavailable("no Debian mirror in /etc/apt/sources.list* (configure apt first)")


def _mounts_below(path: Path) -> list[str]:
    prefix = str(path.resolve()) + "/"
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    points = [line.split()[1].replace("\\040", " ") for line in mounts if len(line.split()) > 1]
    return sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True)


def _remove_build(path: Path) -> None:
    """Remove a failed build, never following into /proc or /sys that debootstrap may have left mounted."""
    if not path.exists():
        return
    for point in _mounts_below(path):
        subprocess.run(["umount", "--lazy", point], capture_output=True, check=False)
    if _mounts_below(path):
        raise RootfsUnavailable(f"{path} still has file systems mounted below it; unmount them and remove it")
    shutil.rmtree(path, ignore_errors=True)


def debian_minbase(suite: str = SUITE) -> Path:
    """A cached Debian ``suite`` minbase root filesystem; built on first use (root and debootstrap)."""
    target = cache_root() / f"debian-{suite}-minbase"
    marker = target.with_name(target.name + ".complete")  # beside the tree, not in the image
    if marker.is_file() and target.is_dir():
        return target
    debootstrap = shutil.which("debootstrap") or (
        "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None
    )
    if debootstrap is None:
        raise RootfsUnavailable("debootstrap is not installed (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise RootfsUnavailable("building a Debian root filesystem with debootstrap needs root")
    mirror = apt_mirror()
    building = target.with_name(target.name + ".building")
    _remove_build(building)
    building.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [debootstrap, "--variant=minbase", suite, str(building), mirror],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        _remove_build(building)
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RootfsUnavailable(f"debootstrap failed: {' | '.join(tail)}")
    for deb in (building / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()
    _remove_build(target)
    building.rename(target)
    marker.write_text(f"debootstrap --variant=minbase {suite} {mirror}\n")
    return target


if __name__ == "__main__":
    print(debian_minbase())

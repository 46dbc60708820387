"""Real root filesystems for the slow tests and the benchmarks, built once and cached.

A Debian minbase tree is what a device maker starting from Debian ships before adding their own
software; assessing it must give only FAILs a security engineer would agree with. It is built with
``debootstrap --variant=minbase`` from the mirror the machine's apt is already configured with
(``/etc/apt/sources.list*``), so nothing new is contacted, and kept under
``~/.cache/securable/rootfs/`` (``$XDG_CACHE_HOME`` respected) between runs: the first build takes
about a minute, later runs reuse it. The downloaded ``.deb`` files are removed, as an image builder
would, so the tree holds what a device would hold.

A BusyBox tree is what most small devices ship: one static ``busybox`` binary (Debian's
``busybox-static``, fetched with ``apt-get download`` from the same mirror and unpacked with
``dpkg-deb``), a symlink per applet from the binary's own ``--list-full``, and the handful of
``/etc`` files such a device carries, written the way Alpine and Buildroot write them, with the
binary recorded in an apk database (``/lib/apk/db/installed``, ``Z:Q1`` base64 SHA-1) as Alpine does.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["RootfsUnavailable", "apt_mirror", "busybox_tree", "cache_root", "debian_minbase"]

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


@contextlib.contextmanager
def _building_lock(name: str) -> Iterator[None]:
    """One builder at a time per tree, across processes (test runs in several worktrees share the cache)."""
    cache_root().mkdir(parents=True, exist_ok=True)
    with (cache_root() / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    with _building_lock(f"debian-{suite}-minbase"):
        return _debian_minbase(suite)


def _debian_minbase(suite: str) -> Path:
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


#: The /etc of a small BusyBox device as Buildroot and Alpine lay it out: root locked, a login
#: prompt (not a shell) on the serial console, syslogd and klogd started by init.
BUSYBOX_ETC = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    "etc/shadow": "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
    "etc/group": "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n",
    "etc/inittab": "::sysinit:/etc/init.d/rcS\n::respawn:/sbin/syslogd -n\n::respawn:/sbin/klogd -n\n"
    "ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100\n::ctrlaltdel:/sbin/reboot\n"
    "::shutdown:/bin/umount -a -r\n",
    "etc/init.d/rcS": "#!/bin/sh\nmount -t proc proc /proc\nmount -t sysfs sysfs /sys\n"
    "hostname -F /etc/hostname\n",
    "etc/hostname": "device\n",
    "etc/fstab": "proc /proc proc defaults 0 0\nsysfs /sys sysfs defaults 0 0\n",
    "etc/os-release": 'NAME="BusyBox device"\nID=busybox-device\nVERSION_ID=1.0\n',
    "etc/securetty": "console\nttyS0\n",
}


def busybox_tree() -> Path:
    """A cached BusyBox root filesystem (see the module docstring); built on first use."""
    with _building_lock("busybox-static"):
        return _busybox_tree()


def _busybox_tree() -> Path:
    target = cache_root() / "busybox-static"
    marker = target.with_name(target.name + ".complete")
    if marker.is_file() and target.is_dir():
        return target
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise RootfsUnavailable("apt-get and dpkg-deb are needed to fetch Debian's busybox-static")
    with tempfile.TemporaryDirectory(prefix="busybox-deb-") as tmp:
        result = subprocess.run(
            ["apt-get", "download", "busybox-static"], cwd=tmp, capture_output=True, text=True, check=False
        )
        debs = list(Path(tmp).glob("busybox-static_*.deb"))
        if result.returncode != 0 or not debs:
            tail = (result.stderr or result.stdout).strip().splitlines()[-2:]
            raise RootfsUnavailable(f"apt-get download busybox-static failed: {' | '.join(tail)}")
        building = target.with_name(target.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(building)], check=True, capture_output=True)
        version = subprocess.run(
            ["dpkg-deb", "-f", str(debs[0]), "Version"], check=True, capture_output=True, text=True
        ).stdout.strip()
    shutil.rmtree(building / "usr/share/doc", ignore_errors=True)  # a device build drops the docs
    binary = building / "bin/busybox"
    applets = subprocess.run([str(binary), "--list-full"], check=True, capture_output=True, text=True)
    for applet in applets.stdout.split():
        link = building / applet
        if link.exists() or link.is_symlink():
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(binary, link.parent))
    for rel, text in BUSYBOX_ETC.items():
        (building / rel).parent.mkdir(parents=True, exist_ok=True)
        (building / rel).write_text(text)
    (building / "etc/init.d/rcS").chmod(0o755)
    (building / "etc/shadow").chmod(0o600)
    for folder in ("proc", "sys", "dev", "tmp", "root", "var/log"):
        (building / folder).mkdir(parents=True, exist_ok=True)
    (building / "tmp").chmod(0o1777)
    (building / "root").chmod(0o700)
    digest = base64.b64encode(hashlib.sha1(binary.read_bytes(), usedforsecurity=False).digest()).decode()
    apk = f"C:Q1\nP:busybox\nV:{version}\nA:x86_64\nT:Size optimized toolbox of many common UNIX utilities\n"
    apk += f"F:bin\nR:busybox\na:0:0:755\nZ:Q1{digest}\n\n"
    (building / "lib/apk/db").mkdir(parents=True, exist_ok=True)
    (building / "lib/apk/db/installed").write_text(apk)
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    marker.write_text(f"busybox-static {version}\n")
    return target


if __name__ == "__main__":
    print(debian_minbase())
    print(busybox_tree())

"""Firmware image builder for the demo thermostat: the root filesystem of each build.

The image is what a manufacturer would ship: init scripts and units, configuration, accounts,
the application, and the package database. The *secure* build carries only public trust
material (the manufacturer root certificate, the trusted TUF root) — device keys and the owner's
credential are created on the device at provisioning and first use, never baked in. The
*legacy* build carries the classic flaws the assessment should find.

Outputs: the rootfs as a directory, as ``.tar.gz``, as squashfs when ``mksquashfs`` exists, and as a
vendor-style firmware file when ``mkimage`` (u-boot-tools) exists too: a U-Boot uImage holding a
kernel stand-in, followed by the squashfs root filesystem — the shape of a real router or camera
``.bin``, which ``securable demo`` assesses so that the blob path is exercised end to end.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from securable.demo.thermostat import MODEL


class Build(StrEnum):
    SECURE = "secure"
    LEGACY = "legacy"


SECURE_VERSION = "2.4.0"
SECURE_UPDATE_VERSION = "2.4.1"  # published after the units left the factory
LEGACY_VERSION = "1.0.3"

# A fixed MD5-crypt hash of "admin" — the universal default password the legacy build ships.
_LEGACY_ADMIN_HASH = "$1$Lg4cY7$aejigoGaTp0DKZSuDK.wm/"

_SECURE_PACKAGES = [
    ("busybox", "busybox", "1:1.36.1-3"),
    ("libssl3", "openssl", "3.0.15-1~deb12u1"),
    ("openssl", "openssl", "3.0.15-1~deb12u1"),
    ("zlib1g", "zlib", "1:1.2.13.dfsg-1"),
    ("libmosquitto1", "mosquitto", "2.0.11-1.2+deb12u1"),
    ("python3.11-minimal", "python3.11", "3.11.2-6+deb12u5"),
]
_LEGACY_PACKAGES = [
    ("busybox", "busybox", "1:1.30.1-6"),
    ("libssl1.1", "openssl", "1.1.1n-0+deb11u3"),
    ("openssl", "openssl", "1.1.1n-0+deb11u3"),
    ("zlib1g", "zlib", "1:1.2.11.dfsg-2"),
    ("telnetd", "netkit-telnet", "0.17-42"),
    ("python3.9-minimal", "python3.9", "3.9.2-1"),
]


@dataclass(frozen=True)
class ImageOutputs:
    rootfs: Path
    tarball: Path
    squashfs: Path | None
    blob: Path | None = None  # <name>.bin: uImage (kernel stand-in) + squashfs root filesystem


def _write(root: Path, path: str, content: str | bytes, mode: int = 0o644) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    target.write_bytes(data)
    target.chmod(mode)


def _dpkg_status(packages: list[tuple[str, str, str]]) -> str:
    stanzas = []
    for name, source, version in packages:
        source_line = f"Source: {source}\n" if source != name else ""
        stanzas.append(
            f"Package: {name}\nStatus: install ok installed\nPriority: optional\n{source_line}"
            f"Version: {version}\nArchitecture: arm64\nDescription: {name} (demo image)\n"
        )
    return "\n".join(stanzas)


def _common(
    root: Path, build: Build, version: str, debian: str, packages: list[tuple[str, str, str]]
) -> None:
    for folder in (
        "bin",
        "sbin",
        "usr/bin",
        "usr/sbin",
        "tmp",
        "var/log",
        "var/lib/thermostat",
        "dev",
        "proc",
    ):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    _write(
        root,
        "/etc/os-release",
        # Built on Debian: VERSION_ID is the Debian release (it selects the advisories that
        # apply); the product's own firmware version is IMAGE_VERSION.
        f'NAME="Thermostat OS"\nID=thermostat-os\nID_LIKE=debian\nVERSION_ID="{debian}"\n'
        f'IMAGE_ID=st-100\nIMAGE_VERSION="{version}"\n'
        f'PRETTY_NAME="Thermostat OS {version} ({build.value} build, Debian {debian})"\n',
    )
    _write(root, "/etc/hostname", f"{MODEL.lower()}\n")
    _write(root, "/etc/debian_version", f"{debian}\n")
    _write(root, "/var/lib/dpkg/status", _dpkg_status(packages))
    _write(root, "/bin/busybox", b"\x7fELF\x02\x01\x01demo-busybox\n", 0o755)
    _write(
        root,
        "/opt/thermostat/README",
        f"{MODEL} application ({build.value} build), started by the init system as the thermostat user.\n",
    )


def _secure(root: Path, trust: dict[str, bytes], version: str) -> None:
    _common(root, Build.SECURE, version, "12", _SECURE_PACKAGES)
    _write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/usr/sbin/nologin\n"
        "thermostat:x:100:100:thermostat service:/var/lib/thermostat:/usr/sbin/nologin\n",
    )
    # Accounts are locked: the owner sets a credential at first use through the authenticated API.
    _write(root, "/etc/shadow", "root:!:19700:0:99999:7:::\nthermostat:!:19700:0:99999:7:::\n", 0o600)
    _write(root, "/etc/group", "root:x:0:\nthermostat:x:100:\n")
    _write(
        root,
        "/etc/systemd/system/thermostat.service",
        "[Unit]\nDescription=ST-100 thermostat application\nAfter=network-online.target\n\n"
        "[Service]\nUser=thermostat\nExecStart=/usr/bin/python3 -m securable.demo.runner --build secure\n"
        "NoNewPrivileges=yes\nProtectSystem=strict\nReadWritePaths=/var/lib/thermostat\n"
        "Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n",
    )
    (root / "etc/systemd/system/multi-user.target.wants").mkdir(parents=True, exist_ok=True)
    (root / "etc/systemd/system/multi-user.target.wants/thermostat.service").symlink_to(
        "/etc/systemd/system/thermostat.service"
    )
    _write(
        root,
        "/etc/systemd/journald.conf",
        "[Journal]\nStorage=persistent\nForwardToSyslog=yes\n",
    )
    _write(
        root,
        "/etc/rsyslog.conf",
        "# security events from the thermostat's tamper-evident log are forwarded to the collector\n"
        "auth,authpriv.*  /var/log/auth.log\n*.*;auth,authpriv.none  /var/log/syslog\n",
    )
    _write(
        root,
        "/etc/apt/sources.list.d/thermostat.sources",
        "Types: deb\nURIs: https://updates.invalid/thermostat\nSuites: stable\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/thermostat-archive.gpg\n",
    )
    for name, data in trust.items():
        _write(root, f"/etc/securable/{name}", data)
    _write(
        root,
        "/etc/thermostat/defaults.json",
        '{"updates": {"enabled": true, "mode": "automatic"}, "telemetry": {"tls": true},\n'
        ' "api": {"tls_min_version": "1.2", "login_required": true}, "log": {"enabled": true}}\n',
    )


def _legacy(root: Path, shared_key_pem: bytes) -> None:
    _common(root, Build.LEGACY, LEGACY_VERSION, "11", _LEGACY_PACKAGES)
    _write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000:admin:/home/admin:/bin/sh\n",
    )
    _write(
        root,
        "/etc/shadow",
        f"root:{_LEGACY_ADMIN_HASH}:18000:0:99999:7:::\nadmin:{_LEGACY_ADMIN_HASH}:18000:0:99999:7:::\n",
        0o644,
    )
    _write(root, "/etc/group", "root:x:0:\nadmin:x:1000:\n")
    _write(root, "/etc/inetd.conf", "telnet stream tcp nowait root /usr/sbin/telnetd telnetd -l /bin/sh\n")
    _write(root, "/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh\n")
    _write(
        root,
        "/etc/init.d/rcS",
        "#!/bin/sh\n/usr/sbin/inetd /etc/inetd.conf\n/usr/sbin/telnetd -p 2323 -l /bin/sh\n"
        "python3 -m securable.demo.runner --build legacy &\n",
        0o777,
    )
    _write(root, "/etc/ssl/private/device.key", shared_key_pem, 0o644)
    _write(
        root,
        "/etc/opkg/opkg.conf",
        "src/gz thermostat http://updates.invalid/feeds\noption check_signature 0\n",
    )
    _write(
        root,
        "/etc/apt/sources.list",
        "deb [trusted=yes] http://updates.invalid/thermostat stable main\n",
    )
    _write(root, "/etc/syslog.conf", "*.*  /dev/null\n")
    _write(
        root,
        "/etc/thermostat/cloud.conf",
        "cloud_url=http://cloud.invalid\ncloud_token=legacy-static-token\n",
    )
    _write(
        root, "/usr/bin/fwupdate", b"#!/bin/sh\n# installs whatever it is given\ncat > /dev/mtd3\n", 0o4755
    )


def build_rootfs(
    build: Build, dest: Path, *, trust: dict[str, bytes], shared_key_pem: bytes, version: str | None = None
) -> Path:
    """Write the build's root filesystem into ``dest`` (which must not exist yet)."""
    dest.mkdir(parents=True)
    if build is Build.SECURE:
        _secure(dest, trust, version or SECURE_VERSION)
    else:
        _legacy(dest, shared_key_pem)
    return dest


def _as_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def pack(rootfs: Path, out_dir: Path, name: str) -> ImageOutputs:
    """Pack a rootfs as ``<name>.tar.gz`` and, when squashfs-tools are installed, ``<name>.squashfs``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tarball = out_dir / f"{name}.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        for entry in sorted(rootfs.iterdir()):
            tar.add(entry, arcname=entry.name, filter=_as_root)
    squashfs: Path | None = None
    mksquashfs = shutil.which("mksquashfs") or (
        "/usr/bin/mksquashfs" if Path("/usr/bin/mksquashfs").exists() else None
    )
    if mksquashfs:
        squashfs = out_dir / f"{name}.squashfs"
        subprocess.run(
            [mksquashfs, str(rootfs), str(squashfs), "-all-root", "-comp", "gzip", "-noappend", "-quiet"],
            check=True,
            capture_output=True,
        )
    blob = _vendor_blob(squashfs, out_dir, name) if squashfs is not None else None
    return ImageOutputs(rootfs=rootfs, tarball=tarball, squashfs=squashfs, blob=blob)


def _tool(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)


def _vendor_blob(squashfs: Path, out_dir: Path, name: str) -> Path | None:
    """``<name>.bin``: a uImage with a gzip'd kernel stand-in, then the squashfs (None without mkimage)."""
    mkimage = _tool("mkimage")
    if mkimage is None:
        return None
    kernel = out_dir / f"{name}.kernel.gz"
    uimage = out_dir / f"{name}.uimage"
    kernel.write_bytes(gzip.compress(f"{MODEL} kernel stand-in\n".encode() * 256, mtime=0))
    try:
        subprocess.run(
            [
                mkimage,
                "-A",
                "arm64",
                "-O",
                "linux",
                "-T",
                "kernel",
                "-C",
                "gzip",
                "-a",
                "0x80000",
                "-e",
                "0x80000",
                "-n",
                f"{MODEL} {name}"[:31],
                "-d",
                str(kernel),
                str(uimage),
            ],
            check=True,
            capture_output=True,
        )
        blob = out_dir / f"{name}.bin"
        blob.write_bytes(uimage.read_bytes() + squashfs.read_bytes())
    finally:
        kernel.unlink(missing_ok=True)
        uimage.unlink(missing_ok=True)
    return blob

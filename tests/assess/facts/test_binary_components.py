"""Component identification from binaries: a pass and a fail fixture per component.

Pass fixtures are root filesystems holding the **real** Debian binary (installed by
``scripts/bootstrap``), copied to the path it has on a device; the expected version is the
upstream part of the installed package's version, read with ``dpkg-query`` — never typed in.
Fail fixtures keep the file name and replace the content: a real binary of something else
(``/usr/bin/true``), or a look-alike that carries a near miss of the strings.

Components that Debian 12 does not ship (Boa, GoAhead, uhttpd, uClibc, ntp.org's ntpd), or ships
in a form the test machines cannot install (chrony conflicts with systemd-timesyncd; Samba's
version lives in a 24 MB library set), and the kernel (no kernel image in a container), have
**synthetic** fixtures: a real ELF (``/usr/bin/true``) with the strings the real binary carries
appended, listed in ``SYNTHETIC`` with where the strings come from.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from securable.assess.facts import FirmwareView
from securable.assess.facts.binaries import (
    COMPONENTS,
    BinaryComponent,
    component_files,
    group_hits,
    load_signatures,
)
from securable.assess.facts.content import content_pass
from securable.assess.targets import FirmwareImage

LIB = "/usr/lib/x86_64-linux-gnu"
SCHEMA = Path(__file__).parents[3] / "src/securable/assess/data/component.schema.json"
TRUE = Path("/usr/bin/true")


@dataclass(frozen=True)
class Real:
    """A component's real binary: the Debian package that installs it and where it lies."""

    package: str
    source: str  # path on this machine
    target: str  # path inside the fixture image


REAL: dict[str, Real] = {
    "busybox": Real("busybox-static", "/bin/busybox", "/bin/busybox"),
    "openssl": Real("libssl3", f"{LIB}/libcrypto.so.3", "/usr/lib/libcrypto.so.3"),
    "wolfssl": Real("libwolfssl35", f"{LIB}/libwolfssl.so.35", "/usr/lib/libwolfssl.so.35"),
    "mbedtls": Real("libmbedcrypto7", f"{LIB}/libmbedcrypto.so.7", "/usr/lib/libmbedcrypto.so.7"),
    "dropbear": Real("dropbear-bin", "/usr/sbin/dropbear", "/usr/sbin/dropbear"),
    "openssh": Real("openssh-server", "/usr/sbin/sshd", "/usr/sbin/sshd"),
    "dnsmasq": Real("dnsmasq-base", "/usr/sbin/dnsmasq", "/usr/sbin/dnsmasq"),
    "lighttpd": Real("lighttpd", "/usr/sbin/lighttpd", "/usr/sbin/lighttpd"),
    "nginx": Real("nginx", "/usr/sbin/nginx", "/usr/sbin/nginx"),
    "curl": Real("curl", "/usr/bin/curl", "/usr/bin/curl"),
    "libcurl": Real("libcurl4", f"{LIB}/libcurl.so.4", "/usr/lib/libcurl.so.4"),
    "zlib": Real("zlib1g", f"{LIB}/libz.so.1", "/lib/libz.so.1"),
    "sqlite": Real("libsqlite3-0", f"{LIB}/libsqlite3.so.0", "/usr/lib/libsqlite3.so.0"),
    "hostapd": Real("hostapd", "/usr/sbin/hostapd", "/usr/sbin/hostapd"),
    "wpa_supplicant": Real("wpasupplicant", "/sbin/wpa_supplicant", "/usr/sbin/wpa_supplicant"),
    "mosquitto": Real("mosquitto", "/usr/sbin/mosquitto", "/usr/sbin/mosquitto"),
    "avahi": Real("avahi-daemon", "/usr/sbin/avahi-daemon", "/usr/sbin/avahi-daemon"),
    "miniupnpd": Real("miniupnpd-nftables", "/usr/sbin/miniupnpd", "/usr/sbin/miniupnpd"),
    "libupnp": Real("libupnp13", f"{LIB}/libupnp.so.13", "/usr/lib/libupnp.so.13"),
    "iptables": Real("iptables", "/usr/sbin/xtables-legacy-multi", "/usr/sbin/xtables-legacy-multi"),
    "openvpn": Real("openvpn", "/usr/sbin/openvpn", "/usr/sbin/openvpn"),
    "strongswan": Real("strongswan-starter", "/usr/lib/ipsec/starter", "/usr/lib/ipsec/starter"),
    "dbus": Real("dbus-daemon", "/usr/bin/dbus-daemon", "/usr/bin/dbus-daemon"),
    "glibc": Real("libc6", f"{LIB}/libc.so.6", "/lib/libc.so.6"),
    "musl": Real("musl", "/usr/lib/x86_64-linux-musl/libc.so", "/lib/ld-musl-x86_64.so.1"),
    "u-boot": Real("u-boot-qemu", "/usr/lib/u-boot/qemu_arm/u-boot.bin", "/boot/u-boot.bin"),
    "bash": Real("bash", "/usr/bin/bash", "/bin/bash"),
    "libpcap": Real("libpcap0.8", f"{LIB}/libpcap.so.0.8", "/usr/lib/libpcap.so.1"),
    "gnutls": Real("libgnutls30", f"{LIB}/libgnutls.so.30", "/usr/lib/libgnutls.so.30"),
    "util-linux": Real("mount", "/usr/bin/mount", "/bin/mount"),
    "bzip2": Real("libbz2-1.0", f"{LIB}/libbz2.so.1.0", "/usr/lib/libbz2.so.1.0"),
    "systemd": Real("systemd", "/usr/lib/systemd/systemd", "/lib/systemd/systemd"),
    "libssh2": Real("libssh2-1", f"{LIB}/libssh2.so.1", "/usr/lib/libssh2.so.1"),
    "wget": Real("wget", "/usr/bin/wget", "/usr/bin/wget"),
    "lua": Real("liblua5.3-0", f"{LIB}/liblua5.3.so.0", "/usr/lib/liblua5.3.so.0"),
    "expat": Real("libexpat1", f"{LIB}/libexpat.so.1", "/usr/lib/libexpat.so.1"),
}


@dataclass(frozen=True)
class Synthetic:
    """A component without an installable Debian binary: the strings its real binary carries."""

    target: str
    strings: tuple[bytes, ...]
    version: str | None  # what those strings say
    origin: str  # where the strings come from


SYNTHETIC: dict[str, Synthetic] = {
    "boa": Synthetic(
        "/usr/sbin/boa",
        (b"Boa/0.94.14rc21", b"/etc/boa/boa.conf", b"Server: %s"),
        "0.94.14rc21",
        'Boa 0.94.14rc21 defines SERVER_VERSION "Boa/0.94.14rc21" and reads boa.conf',
    ),
    "goahead": Synthetic(
        "/usr/sbin/goahead",
        (b"GoAhead-http", b"route.txt", b"auth.txt"),
        None,
        "GoAhead 3+ sends 'Server: GoAhead-http' and reads route.txt/auth.txt; it carries no release number",
    ),
    "uhttpd": Synthetic(
        "/usr/sbin/uhttpd",
        (b"Usage: %s -p [addr:]port -h docroot", b"uhttpd", b"/etc/config/uhttpd"),
        None,
        "OpenWrt uhttpd's usage text; it carries no release number",
    ),
    "samba": Synthetic(
        "/usr/sbin/smbd",
        (b"smbd version %s started.", b"4.17.12-Debian"),
        "4.17.12",
        "smbd's start-up message and Debian 12's Samba version string (side by side here)",
    ),
    "ntp": Synthetic(
        "/usr/sbin/ntpd",
        (b"ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1)",),
        "4.2.8p15",
        "ntp.org ntpd 4.2.8p15's version banner",
    ),
    "chrony": Synthetic(
        "/usr/sbin/chronyd",
        (
            b"chronyd (chrony) version %s (%s)",
            b"--help",
            b"--version",
            b"4.3",
            b"46df:F:hl:L:mnpP:qQrRst:u:Uvx",
        ),
        "4.3",
        "the strings of Debian 12's chronyd 4.3, in their order in that binary",
    ),
    "uclibc": Synthetic(
        "/lib/libuClibc-1.0.31.so",
        (b"/lib/ld-uClibc.so.1", b"uClibc", b"__uClibc_main"),
        "1.0.31",
        "a uClibc-ng 1.0.31 library as installed (the version is in the file name)",
    ),
    "linux": Synthetic(
        "/boot/vmlinux",
        (
            b"Linux version 5.10.110 (builder@buildhost) (arm-openwrt-linux-muslgnueabi-gcc "
            b"(OpenWrt GCC 11.2.0 r19685-512e76967f) 11.2.0, GNU ld (GNU Binutils) 2.37) "
            b"#0 SMP Mon Apr 18 2022\n",
        ),
        "5.10.110",
        "the version banner of an OpenWrt 22.03 kernel (vmlinux keeps it uncompressed)",
    ),
}

#: Fail fixtures beyond "same name, other content": look-alikes that must not be taken for the component.
LOOK_ALIKES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    # a custom component that calls itself "linux 1.3.3", and a format string of a user-space tool
    "linux": ("/usr/bin/linux", (b"linux 1.3.3", b"Linux version %s", b"Linux version 1.3.3\n")),
    # mkimage (u-boot-tools) names U-Boot and its version, but is not the boot loader
    "u-boot": ("/boot/u-boot.bin", (b"U-Boot mkimage %s", b"mkimage version %s", b"2023.01", b"U-Boot ")),
    # NTPsec's ntpd is another product than ntp.org's
    "ntp": ("/usr/sbin/ntpd", (b"ntpd ntpsec-%s", b"ntpd 1.2.2@ntpsec", b"1.2.2")),
    # a program built against OpenSSL carries the headers' version text, not the library
    "openssl": (
        "/usr/lib/libcrypto.so.3",
        (b"built with OpenSSL 3.0.22 25 Aug 2026", b"OpenSSL 3.0.22 25 Aug 2026"),
    ),
    # a client that merely mentions dnsmasq in its help
    "dnsmasq": ("/usr/sbin/dnsmasq", (b"see dnsmasq-2.90 documentation", b"restart dnsmasq")),
}


def upstream(debian_version: str) -> str:
    """The upstream part of a Debian version: no epoch, revision or repack suffix."""
    version = debian_version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return re.sub(r"[.+~](?:dfsg|ds)\d*.*$", "", version)


def installed_version(package: str) -> str:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not result.stdout:
        pytest.fail(f"Debian package {package} is not installed: run ./scripts/bootstrap")
    return upstream(result.stdout)


def synthetic_bytes(strings: tuple[bytes, ...]) -> bytes:
    """A real ELF executable with the given strings appended, NUL-separated as in .rodata."""
    return TRUE.read_bytes() + b"\x00" + b"\x00".join(strings) + b"\x00"


def place(root: Path, target: str, data: bytes) -> None:
    path = root / target.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o755)


def identified(root: Path) -> Iterator[BinaryComponent]:
    """The components of the image at ``root``, from a byte pass of the component matcher alone
    (the firmware view runs every matcher; ``test_the_firmware_view_...`` covers that path)."""
    with FirmwareImage.open(root) as image:
        yield from group_hits(content_pass(image, [COMPONENTS]).of(COMPONENTS))


def find(root: Path, name: str) -> list[BinaryComponent]:
    return [c for c in identified(root) if c.name == name]


def test_every_data_file_is_valid_against_the_schema() -> None:
    validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    files = component_files()
    problems = [
        f"{name}: {error.message}"
        for name, text in files
        for error in validator.iter_errors(yaml.safe_load(text))
    ]
    assert problems == []
    names = {yaml.safe_load(text)["name"] + ".yaml" for _name, text in files}
    assert names == {name for name, _text in files}, "each data file is named after its component"


def test_at_least_forty_components_among_them_the_embedded_classics() -> None:
    names = {sig.name for sig in load_signatures()}
    assert len(names) >= 40
    assert {
        "busybox", "openssl", "wolfssl", "mbedtls", "dropbear", "openssh", "dnsmasq", "lighttpd", "uhttpd",
        "nginx", "boa", "goahead", "curl", "libcurl", "zlib", "sqlite", "hostapd", "wpa_supplicant",
        "mosquitto", "avahi", "samba", "miniupnpd", "libupnp", "iptables", "ntp", "chrony", "openvpn",
        "strongswan", "dbus", "glibc", "uclibc", "musl", "linux", "u-boot",
    } <= names  # fmt: skip


def test_every_component_has_a_pass_fixture() -> None:
    assert {sig.name for sig in load_signatures()} == set(REAL) | set(SYNTHETIC)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_binary_is_identified_with_its_package_version(name: str, tmp_path: Path) -> None:
    real = REAL[name]
    expected = installed_version(real.package)
    place(tmp_path, real.target, Path(real.source).read_bytes())
    found = find(tmp_path, name)
    assert [c.version for c in found] == [expected], f"{name}: {[(c.version, c.paths) for c in found]}"
    hit = found[0].best
    assert hit.path == real.target and hit.evidence and hit.method.startswith(("binary-analysis", "filename"))
    assert 0 < hit.confidence <= 1


@pytest.mark.parametrize("name", sorted(REAL))
def test_same_name_without_the_strings_is_not_identified(name: str, tmp_path: Path) -> None:
    place(tmp_path, REAL[name].target, TRUE.read_bytes())
    assert find(tmp_path, name) == []


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_fixture_carrying_the_real_strings_is_identified(name: str, tmp_path: Path) -> None:
    fixture = SYNTHETIC[name]
    place(tmp_path, fixture.target, synthetic_bytes(fixture.strings))
    found = find(tmp_path, name)
    assert [c.version for c in found] == [fixture.version], fixture.origin


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_name_without_the_strings_is_not_identified(name: str, tmp_path: Path) -> None:
    place(tmp_path, SYNTHETIC[name].target, TRUE.read_bytes())
    assert find(tmp_path, name) == []


@pytest.mark.parametrize("name", sorted(LOOK_ALIKES))
def test_look_alikes_are_not_taken_for_the_component(name: str, tmp_path: Path) -> None:
    target, strings = LOOK_ALIKES[name]
    place(tmp_path, target, synthetic_bytes(strings))
    assert find(tmp_path, name) == []


def _uimage(name: bytes, payload: bytes) -> bytes:
    """A legacy U-Boot image header (include/image.h: 64 bytes, big-endian) before ``payload``."""
    header = struct.pack(
        ">IIIIIIIBBBB32s", 0x27051956, 0, 1650000000, len(payload), 0x80008000, 0x80008000,
        zlib.crc32(payload), 5, 2, 2, 0, name,
    )  # fmt: skip  # os=Linux, arch=ARM, type=kernel, comp=none
    crc = zlib.crc32(header)
    return header[:4] + struct.pack(">I", crc) + header[8:] + payload


def test_kernel_version_from_a_uimage_header_and_from_module_vermagic(tmp_path: Path) -> None:
    place(tmp_path, "/boot/uImage", _uimage(b"Linux-4.14.180", b"\x00" * 4096))
    module = synthetic_bytes((b"license=GPL", b"vermagic=4.14.180 SMP preempt mod_unload ARMv7 p2v8 "))
    place(tmp_path, "/lib/modules/4.14.180/kernel/drivers/net/foo.ko", module)
    [kernel] = find(tmp_path, "linux")
    assert kernel.version == "4.14.180"
    assert sorted(kernel.paths) == ["/boot/uImage", "/lib/modules/4.14.180/kernel/drivers/net/foo.ko"]
    assert kernel.cpe23() == ["cpe:2.3:o:linux:linux_kernel:4.14.180:*:*:*:*:*:*:*"]


def test_kernel_version_from_an_x86_boot_header(tmp_path: Path) -> None:
    """bzImage (x86 boot protocol): "HdrS" at 0x202, kernel_version points at the release string,
    which stays uncompressed in the setup code while the banner is compressed."""
    image = bytearray(0x4000)
    image[0x1FE:0x200] = b"\x55\xaa"
    image[0x202:0x206] = b"HdrS"
    image[0x20E:0x210] = struct.pack("<H", 0x3000 - 0x200)
    release = b"5.4.217 (builder@buildhost) #1 SMP Tue Oct 4 08:00:00 UTC 2022\x00"
    image[0x3000 : 0x3000 + len(release)] = release
    place(tmp_path, "/boot/vmlinuz-5.4.217", bytes(image) + b"\x1f\x8b" + b"\x00" * 512)
    [kernel] = find(tmp_path, "linux")
    assert kernel.version == "5.4.217" and kernel.best.method.endswith("kernel_version string")


def test_library_without_version_joins_the_versioned_component(tmp_path: Path) -> None:
    """libssl carries no version text of its own: it is OpenSSL, with libcrypto's version."""
    place(tmp_path, "/usr/lib/libcrypto.so.3", Path(f"{LIB}/libcrypto.so.3").read_bytes())
    place(tmp_path, "/usr/lib/libssl.so.3", Path(f"{LIB}/libssl.so.3").read_bytes())
    [openssl] = find(tmp_path, "openssl")
    assert openssl.version == installed_version("libssl3")
    assert sorted(openssl.paths) == ["/usr/lib/libcrypto.so.3", "/usr/lib/libssl.so.3"]


def test_component_without_readable_version_is_listed_as_unknown(tmp_path: Path) -> None:
    place(tmp_path, "/usr/sbin/uhttpd", synthetic_bytes(SYNTHETIC["uhttpd"].strings))
    [uhttpd] = find(tmp_path, "uhttpd")
    assert uhttpd.version is None and uhttpd.cpe23() == ["cpe:2.3:a:openwrt:uhttpd:*:*:*:*:*:*:*:*"]


def test_text_files_are_not_taken_for_binaries(tmp_path: Path) -> None:
    # a README or a login banner quoting a version banner is text, not the component
    place(tmp_path, "/usr/share/doc/busybox/README", b"BusyBox v1.35.0 (2022-01-01)\n" * 20)
    place(tmp_path, "/etc/banner.txt", b"BusyBox v1.35.0 built-in shell (ash)\n" * 20)
    place(tmp_path, "/etc/motd", b"BusyBox v1.35.0 built-in shell (ash)\n" * 20)
    assert find(tmp_path, "busybox") == []


def test_a_hostile_file_full_of_markers_stays_fast(tmp_path: Path) -> None:
    """Every marker repeated many times, with near-miss text after each: bounded windows and
    a cap on marker hits keep the scan linear."""
    markers = [r.marker for sig in load_signatures() for r in sig.versions]
    body = b"\x00".join(m + b"9" * 200 for m in markers) * 50
    place(tmp_path, "/usr/bin/hostile", TRUE.read_bytes() + body)
    components = list(identified(tmp_path))
    assert all(c.version is None or len(c.version) < 300 for c in components)


def test_links_are_not_followed_out_of_the_image(tmp_path: Path) -> None:
    """A link that points at the machine's own dropbear resolves inside the image root: nothing."""
    place(tmp_path, "/bin/busybox", Path("/bin/busybox").read_bytes())
    (tmp_path / "bin" / "sh").symlink_to("busybox")
    (tmp_path / "bin" / "escape").symlink_to("/usr/sbin/dropbear")
    names = {c.name for c in identified(tmp_path)}
    assert "busybox" in names and "dropbear" not in names


def test_the_firmware_view_exposes_the_components_from_the_shared_pass(tmp_path: Path) -> None:
    place(tmp_path, "/bin/busybox", Path("/bin/busybox").read_bytes())
    place(tmp_path, "/usr/sbin/dropbear", Path("/usr/sbin/dropbear").read_bytes())
    with FirmwareImage.open(tmp_path) as image:
        view = FirmwareView(image)
        versions = {c.name: c.version for c in view.binary_components}
        assert versions == {
            "busybox": installed_version("busybox-static"),
            "dropbear": installed_version("dropbear-bin"),
        }
        assert view.content.files_read == 2  # one read per file, shared with the other matchers

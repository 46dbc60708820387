"""The shared facts of a firmware image (``FirmwareView``), each on its own: what it answers,
and that it is computed once per view however many checks ask."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from securable.assess.facts import FirmwareView
from securable.assess.facts.ssh import is_host_key_path
from securable.assess.model import ImageFile
from tests.assess.firmware.conftest import DirImage, RootFS

# --- accounts -------------------------------------------------------------------------------------


def test_accounts_join_passwd_and_shadow(rootfs: RootFS) -> None:
    rootfs.write(
        "/etc/passwd", "root:x:0:0::/root:/bin/sh\nftp:x:21:21::/srv:/sbin/nologin\nold::5:5::/:/bin/sh\n"
    )
    rootfs.write("/etc/shadow", "root:$6$salt$hash:1::::::\nftp:!:1::::::\nghost:$1$a$b:1::::::\n")
    accounts = {a.name: a for a in rootfs.image().accounts or []}
    assert accounts["root"].hashed and accounts["root"].source == "/etc/shadow"
    assert accounts["ftp"].locked and not accounts["ftp"].login_shell
    assert accounts["old"].empty and accounts["old"].source == "/etc/passwd"
    assert accounts["ghost"].uid is None  # shadow entry without passwd entry is still a credential


def test_accounts_none_without_passwd_or_shadow(rootfs: RootFS) -> None:
    rootfs.write("/bin/app", "x")
    assert rootfs.image().accounts is None


# --- boot entries and init ------------------------------------------------------------------------


def test_boot_entries_and_has_init(rootfs: RootFS, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/inittab", "ttyS0::respawn:/sbin/getty -L ttyS0 115200\n")
    rootfs.write("/etc/inetd.conf", "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n")
    rootfs.write("/etc/crontab", "@reboot root /usr/bin/app\n")
    view = rootfs.image()
    assert view.has_init
    assert {e.mechanism for e in view.boot_entries} == {"inittab", "inetd", "cron"}
    bare = make_rootfs("bare")
    bare.write("/app.bin", "x")
    assert not bare.image().has_init and bare.image().boot_entries == []


# --- ssh_server -----------------------------------------------------------------------------------


def test_no_ssh_server_and_client_config_is_not_a_server(rootfs: RootFS) -> None:
    rootfs.write("/etc/ssh/ssh_config", "Host *\n")
    assert rootfs.image().ssh_server is None


def test_openssh_config_with_include_and_match(rootfs: RootFS) -> None:
    rootfs.write(
        "/etc/ssh/sshd_config",
        "Include sshd_config.d/*.conf\nPermitRootLogin no\n"
        "Match User support\n  PasswordAuthentication yes\n",
    )
    rootfs.write("/etc/ssh/sshd_config.d/10-vendor.conf", "PermitRootLogin yes\nMaxAuthTries 3\n")
    rootfs.write("/lib/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n")
    rootfs.symlink(
        "/etc/systemd/system/multi-user.target.wants/ssh.service", "/lib/systemd/system/ssh.service"
    )
    server = rootfs.image().ssh_server
    assert server is not None and server.kinds == ("openssh",)
    sshd = server.openssh
    assert sshd is not None and sshd.config_path == "/etc/ssh/sshd_config"
    root = sshd.settings["permitrootlogin"]
    assert (root.value, root.path, root.line) == (
        "yes",
        "/etc/ssh/sshd_config.d/10-vendor.conf",
        1,
    )  # first wins
    assert sshd.settings["maxauthtries"].value == "3"
    assert sshd.conditional["passwordauthentication"].line == 4
    assert "passwordauthentication" not in sshd.settings
    assert [c.path for c in sshd.started_by] == ["/lib/systemd/system/ssh.service"]


def test_openssh_binary_alone_is_a_server_with_defaults(rootfs: RootFS) -> None:
    rootfs.write("/usr/sbin/sshd", b"\x7fELF")
    server = rootfs.image().ssh_server
    assert server is not None and server.openssh is not None
    assert server.openssh.binary == "/usr/sbin/sshd" and server.openssh.config_path is None
    assert dict(server.openssh.settings) == {}


def test_dropbear_command_lines_and_uci(rootfs: RootFS, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/default/dropbear", 'DROPBEAR_EXTRA_ARGS="-s -g"\n')
    rootfs.write(
        "/etc/init.d/S50dropbear", "#!/bin/sh\n# dropbear -B\necho starting dropbear\n/usr/sbin/dropbear -R\n"
    )
    server = rootfs.image().ssh_server
    assert server is not None and server.kinds == ("dropbear",)
    dropbear = server.dropbear
    assert dropbear is not None and dropbear.configured and dropbear.uci is None
    assert [(c.path, c.line, c.text) for c in dropbear.command_lines] == [
        ("/etc/default/dropbear", 1, "-s -g"),
        ("/etc/init.d/S50dropbear", 4, "/usr/sbin/dropbear -R"),
    ]
    openwrt = make_rootfs("openwrt")
    openwrt.write(
        "/etc/config/dropbear", "config dropbear\n\toption PasswordAuth 'off'\n\toption Port '22'\n"
    )
    uci = openwrt.image().ssh_server
    assert uci is not None and uci.dropbear is not None
    assert uci.dropbear.uci == {"PasswordAuth": "off", "Port": "22"}


def test_dropbear_present_but_unconfigured(rootfs: RootFS) -> None:
    rootfs.write("/usr/sbin/dropbear", b"\x7fELF")
    server = rootfs.image().ssh_server
    assert server is not None and server.dropbear is not None and not server.dropbear.configured


def test_host_key_paths() -> None:
    assert is_host_key_path("/etc/ssh/ssh_host_ed25519_key")
    assert is_host_key_path("/etc/dropbear/dropbear_rsa_host_key")
    assert not is_host_key_path("/etc/ssl/private/device.key")


# --- packages -------------------------------------------------------------------------------------


def test_packages_inventory(rootfs: RootFS, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/os-release", 'ID=debian\nVERSION_ID="12"\n')
    rootfs.write(
        "/var/lib/dpkg/status",
        "Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1)\nVersion: 3.0.11-1\n\n"
        "Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
    )
    inv = rootfs.image().packages
    assert [(c.name, c.source_name, c.ecosystem) for c in inv.components] == [("libssl3", "openssl", "deb")]
    assert inv.os_version == "12"
    empty = make_rootfs("empty")
    empty.write("/usr/bin/app", "x")
    assert empty.image().packages.components == []


# --- secret_hits ----------------------------------------------------------------------------------


def test_secret_hits_one_scan_for_all_kinds(rootfs: RootFS) -> None:
    rootfs.write("/etc/app/db.ini", "[db]\npassword = Zq8vL2!mW9x\n")
    rootfs.write("/usr/bin/up", b"\x7fELF\0ghp_" + b"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + b"\0")
    rootfs.write("/etc/placeholder.conf", "token=changeme\n")
    hits = rootfs.image().secret_hits
    assert sorted((h.kind, h.path) for h in hits) == [
        ("github-token", "/usr/bin/up"),
        ("password-assignment", "/etc/app/db.ini"),
    ]
    assert all("Zq8vL2!mW9x" not in h.preview for h in hits)


# --- computed once --------------------------------------------------------------------------------


class CountingImage(DirImage):
    """Counts full walks of the image, the expensive part of most facts."""

    walks = 0

    def files(self) -> Iterator[ImageFile]:
        type(self).walks += 1
        return super().files()


def test_each_fact_is_computed_once_per_view_across_threads(rootfs: RootFS) -> None:
    rootfs.write("/etc/app/db.ini", "[db]\npassword = Zq8vL2!mW9x\n")
    rootfs.write("/etc/ssh/sshd_config", "PermitRootLogin no\n")
    view = FirmwareView(CountingImage(rootfs.root))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: view.secret_hits, range(16)))
    assert CountingImage.walks == 1 and all(r is results[0] for r in results)
    assert view.ssh_server is view.ssh_server and view.packages is view.packages
    assert FirmwareView.of(view) is view

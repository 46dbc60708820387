"""Pass and fail fixtures for the boot-service checks: remote shells, debug agents, serial consoles."""

from __future__ import annotations

import pytest

from securable.assess.checks.firmware.services_debug import DebugServicesCheck
from securable.assess.checks.firmware.services_remote_shell import RemoteShellServicesCheck
from securable.assess.checks.firmware.services_serial_console import SerialConsoleCheck
from securable.assess.model import Verdict

GOOD_INITTAB = "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"


def _fails(findings):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.verdict is Verdict.FAIL]


def _clean(rootfs):  # type: ignore[no-untyped-def]
    rootfs.write("/etc/inittab", GOOD_INITTAB)
    rootfs.write("/etc/init.d/S50app", "#!/bin/sh\n/usr/bin/app --daemon\n", mode=0o755)
    return rootfs


@pytest.mark.parametrize(
    ("path", "content", "link"),
    [
        ("/etc/inetd.conf", "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n", None),
        (
            "/etc/xinetd.d/telnet",
            "service telnet\n{\n disable = no\n server = /usr/sbin/in.telnetd\n}\n",
            None,
        ),
        ("/etc/init.d/S50telnet", "#!/bin/sh\nstart() {\n  telnetd -l /bin/login\n}\n", None),
        ("/etc/init.d/telnet", "#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh\n", "/etc/rc.d/S39telnet"),
        (
            "/lib/systemd/system/telnet@.service",
            "[Service]\nExecStart=-/usr/sbin/in.telnetd\n",
            "/etc/systemd/system/sockets.target.wants/telnet.socket",
        ),
        ("/etc/crontab", "@reboot root busybox telnetd -p 2323\n", None),
    ],
)
def test_remote_shell_enabled_fails(rootfs, path, content, link) -> None:  # type: ignore[no-untyped-def]
    _clean(rootfs).write(path, content)
    if link and link.endswith(".socket"):
        rootfs.write("/lib/systemd/system/telnet.socket", "[Socket]\nListenStream=23\nAccept=yes\n")
        rootfs.symlink(link, "/lib/systemd/system/telnet.socket")
    elif link:
        rootfs.symlink(link, "../init.d/telnet")
    fails = _fails(RemoteShellServicesCheck().evaluate(rootfs.image()))
    assert fails, path
    assert fails[0].location is not None and fails[0].location.path in (
        path,
        "/lib/systemd/system/telnet.socket",
    )


def test_remote_shell_disabled_passes(rootfs) -> None:  # type: ignore[no-untyped-def]
    _clean(rootfs)
    rootfs.write("/etc/inetd.conf", "#telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n")
    rootfs.write("/etc/init.d/telnet", "#!/bin/sh\ntelnetd\n")  # present but not linked from rc.d
    rootfs.write(
        "/etc/xinetd.d/telnet", "service telnet\n{\n disable = yes\n server = /usr/sbin/in.telnetd\n}\n"
    )
    rootfs.write("/lib/systemd/system/telnet.socket", "[Socket]\nListenStream=23\n")
    rootfs.symlink("/etc/systemd/system/sockets.target.wants/telnet.socket", "/dev/null")
    assert [f.verdict for f in RemoteShellServicesCheck().evaluate(rootfs.image())] == [Verdict.PASS]


@pytest.mark.parametrize(
    "line",
    [
        "gdbserver --multi :2345",
        "/usr/bin/adbd &",
        "nc -ll -p 4444 -e /bin/sh",
        "socat TCP-LISTEN:9,fork EXEC:/bin/sh",
        "/usr/sbin/tcf-agent -d -L- -l0",
    ],
)
def test_debug_agent_fails(rootfs, line: str) -> None:  # type: ignore[no-untyped-def]
    _clean(rootfs).write("/etc/init.d/S99debug", f"#!/bin/sh\n{line}\n")
    fails = _fails(DebugServicesCheck().evaluate(rootfs.image()))
    assert fails and fails[0].location is not None and fails[0].location.path == "/etc/init.d/S99debug"
    assert fails[0].location.line == 2


def test_debug_agent_in_systemd_unit(rootfs) -> None:  # type: ignore[no-untyped-def]
    _clean(rootfs).write("/lib/systemd/system/adbd.service", "[Service]\nExecStart=/usr/bin/adbd\n")
    rootfs.symlink(
        "/etc/systemd/system/multi-user.target.wants/adbd.service", "/lib/systemd/system/adbd.service"
    )
    assert _fails(DebugServicesCheck().evaluate(rootfs.image()))


@pytest.mark.parametrize(
    "inittab",
    [
        "::askfirst:-/bin/sh\n",
        "ttyS0::respawn:/bin/sh\n",
        "S0:2345:respawn:/sbin/getty -n -l /bin/sh ttyS0 115200\n",
        "T0:23:respawn:/sbin/agetty --autologin root ttyS0 115200 vt100\n",
        "ttyAMA0::respawn:/bin/login -f root\n",
    ],
)
def test_serial_shell_without_login_fails(rootfs, inittab: str) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/inittab", "::sysinit:/etc/init.d/rcS\n" + inittab)
    fails = _fails(SerialConsoleCheck().evaluate(rootfs.image()))
    assert len(fails) == 1 and fails[0].location is not None and fails[0].location.line == 2


def test_systemd_serial_getty_autologin_fails(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write(
        "/lib/systemd/system/serial-getty@.service", "[Service]\nExecStart=-/sbin/agetty -o '-p' %I\n"
    )
    rootfs.write(
        "/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf",
        "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear %I 115200\n",
    )
    rootfs.symlink(
        "/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service",
        "/lib/systemd/system/serial-getty@.service",
    )
    fails = _fails(SerialConsoleCheck().evaluate(rootfs.image()))
    assert fails and fails[0].location is not None
    assert fails[0].location.path.endswith("autologin.conf")


def test_serial_getty_with_login_passes(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/inittab", GOOD_INITTAB)
    findings = list(SerialConsoleCheck().evaluate(rootfs.image()))
    assert [f.verdict for f in findings] == [Verdict.PASS] and findings[0].evidence["consoles"] == 1

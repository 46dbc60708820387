"""Pass and fail fixtures for SSH settings, permissions, update integrity and logging."""

from __future__ import annotations

import json

import pytest

from securable.assess.checks.firmware.logging_security import SecurityLoggingCheck
from securable.assess.checks.firmware.ssh_server_config import SshServerConfigCheck
from securable.assess.checks.firmware.update_integrity import UpdateIntegrityCheck
from securable.assess.model import Verdict


def _v(findings):  # type: ignore[no-untyped-def]
    return sorted(f.verdict.value for f in findings)


def _fails(findings):  # type: ignore[no-untyped-def]
    return [f for f in findings if f.verdict is Verdict.FAIL]


# --- SSH ------------------------------------------------------------------------------------------


def test_sshd_root_and_empty_passwords_fail_through_include(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n")
    rootfs.write("/etc/ssh/sshd_config.d/10-vendor.conf", "PermitRootLogin yes\nPermitEmptyPasswords yes\n")
    fails = _fails(SshServerConfigCheck().evaluate(rootfs.image()))
    assert {f.location.path for f in fails if f.location} == {"/etc/ssh/sshd_config.d/10-vendor.conf"}
    assert len(fails) == 2


def test_sshd_match_block_fails(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write(
        "/etc/ssh/sshd_config", "PasswordAuthentication no\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n"
    )
    fails = _fails(SshServerConfigCheck().evaluate(rootfs.image()))
    assert len(fails) == 1 and fails[0].location is not None and fails[0].location.line == 3


def test_sshd_hardened_passes_and_password_auth_is_manual(rootfs, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/ssh/sshd_config", "PermitRootLogin prohibit-password\nPasswordAuthentication no\n")
    assert _v(SshServerConfigCheck().evaluate(rootfs.image())) == ["pass"]
    other = make_rootfs("pw")
    other.write("/etc/ssh/sshd_config", "PermitRootLogin no\n")
    assert _v(SshServerConfigCheck().evaluate(other.image())) == ["manual"]


def test_dropbear_flags(rootfs, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/init.d/S50dropbear", "#!/bin/sh\n/usr/sbin/dropbear -B -R\n")
    fails = _fails(SshServerConfigCheck().evaluate(rootfs.image()))
    assert {f.severity.value for f in fails} == {"critical", "medium"}
    good = make_rootfs("good")
    good.write("/etc/default/dropbear", 'DROPBEAR_EXTRA_ARGS="-s -g"\n')
    assert _v(SshServerConfigCheck().evaluate(good.image())) == ["pass"]


def test_openwrt_dropbear_uci(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write(
        "/etc/config/dropbear",
        "config dropbear\n\toption PasswordAuth 'on'\n\toption RootPasswordAuth 'on'\n",
    )
    assert _v(SshServerConfigCheck().evaluate(rootfs.image())) == ["fail", "manual"]


# --- permissions ----------------------------------------------------------------------------------


# --- update integrity -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/etc/apt/sources.list", "deb [trusted=yes] http://repo.example/ stable main\n"),
        ("/etc/apt/apt.conf.d/99insecure", 'APT::Get::AllowUnauthenticated "true";\n'),
        ("/etc/opkg.conf", "src/gz base http://feed.example/base\noption check_signature 0\n"),
        ("/etc/opkg.conf", "src/gz base http://feed.example/base\n"),
        ("/etc/pip.conf", "[global]\ntrusted-host = pypi.example\n"),
        ("/etc/rauc/system.conf", "[system]\ncompatible=x\n"),
        ("/etc/mender/mender.conf", json.dumps({"ServerURL": "https://m.example", "SkipVerify": True})),
        ("/etc/swupdate.cfg", "globals : { verbose = true; };\n"),
    ],
)
def test_update_verification_off_fails(rootfs, path: str, content: str) -> None:  # type: ignore[no-untyped-def]
    rootfs.write(path, content)
    fails = _fails(UpdateIntegrityCheck().evaluate(rootfs.image()))
    assert fails and fails[0].location is not None and fails[0].location.path == path


@pytest.mark.parametrize(
    ("path", "content"),
    [
        (
            "/etc/apt/sources.list",
            "deb [signed-by=/usr/share/keyrings/vendor.gpg] https://repo.example/ stable main\n",
        ),
        ("/etc/opkg.conf", "src/gz base https://feed.example/base\noption check_signature\n"),
        ("/etc/mender/mender.conf", json.dumps({"ArtifactVerifyKey": "/etc/mender/artifact-verify-key.pem"})),
        ("/etc/tuf/root.json", json.dumps({"signed": {"_type": "root", "version": 1}, "signatures": []})),
    ],
)
def test_update_verification_on_passes(rootfs, path: str, content: str) -> None:  # type: ignore[no-untyped-def]
    rootfs.write(path, content)
    assert _v(UpdateIntegrityCheck().evaluate(rootfs.image())) == ["pass"]


def test_rauc_with_keyring_passes_and_no_updater_inconclusive(rootfs, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/rauc/system.conf", "[system]\ncompatible=x\n[keyring]\npath=ca.cert.pem\n")
    rootfs.write("/etc/rauc/ca.cert.pem", "-----BEGIN CERTIFICATE-----\n")
    assert _v(UpdateIntegrityCheck().evaluate(rootfs.image())) == ["pass"]
    bare = make_rootfs("bare")
    bare.write("/etc/hostname", "x\n")
    assert _v(UpdateIntegrityCheck().evaluate(bare.image())) == ["inconclusive"]


# --- logging --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/etc/rsyslog.conf", "*.* /dev/null\n"),
        ("/etc/rsyslog.d/00-drop.conf", "*.* stop\n"),
        ("/etc/systemd/journald.conf", "[Journal]\nStorage=none\n"),
        ("/etc/init.d/S01syslogd", "#!/bin/sh\nsyslogd -O /dev/null\n"),
    ],
)
def test_logging_discarded_fails(rootfs, path: str, content: str) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/sbin/syslogd", b"\x7fELF")
    rootfs.write("/usr/sbin/rsyslogd", b"\x7fELF")
    rootfs.write("/lib/systemd/systemd-journald", b"\x7fELF")
    rootfs.write(path, content)
    fails = _fails(SecurityLoggingCheck().evaluate(rootfs.image()))
    assert fails and fails[0].location is not None and fails[0].location.path == path


def test_logging_kept_passes_and_missing_fails(rootfs, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/usr/sbin/rsyslogd", b"\x7fELF")
    rootfs.write(
        "/etc/rsyslog.conf", "auth,authpriv.* /var/log/auth.log\n*.*;auth,authpriv.none -/var/log/syslog\n"
    )
    assert _v(SecurityLoggingCheck().evaluate(rootfs.image())) == ["pass"]
    none = make_rootfs("none")
    none.write("/etc/hostname", "x\n")
    assert _v(SecurityLoggingCheck().evaluate(none.image())) == ["fail"]
    linked = make_rootfs("linked")
    linked.write("/sbin/syslogd", b"\x7fELF")
    linked.symlink("/var/log", "/dev/null")
    assert _v(SecurityLoggingCheck().evaluate(linked.image())) == ["fail"]


# --- authorized keys ------------------------------------------------------------------------------


def test_shipped_authorized_keys_fail(rootfs) -> None:  # type: ignore[no-untyped-def]
    from securable.assess.checks.firmware.ssh_authorized_keys import AuthorizedKeysCheck

    rootfs.write("/etc/ssh/sshd_config", "PermitRootLogin prohibit-password\n")
    rootfs.write(
        "/root/.ssh/authorized_keys",
        "# vendor\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIVendorKey support@vendor\n",
    )
    fails = _fails(AuthorizedKeysCheck().evaluate(rootfs.image()))
    assert len(fails) == 1 and fails[0].location is not None and fails[0].location.line == 2
    assert fails[0].evidence["comment"] == "support@vendor"

"""Pass and fail fixtures for the three account checks, over every common crypt format."""

from __future__ import annotations

import subprocess

import bcrypt
import pytest

from securable.assess.checks.firmware import _crypt
from securable.assess.checks.firmware.credentials_default import DefaultPasswordCheck, default_credentials
from securable.assess.checks.firmware.credentials_empty import EmptyPasswordCheck
from securable.assess.checks.firmware.credentials_weak_hash import WeakPasswordHashCheck
from securable.assess.model import Verdict

PASSWD = (
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "svc:x:100:100::/:/bin/sh\n"
)


def _hash(password: str, prefix: str) -> str:
    cost = {"$y$": 1, "$2b$": 4, "$5$": 1000, "$6$": 1000}.get(prefix, 0)
    hashed = _crypt.hash_password(password, prefix, cost)
    assert hashed is not None
    return hashed


def _image(rootfs, shadow: str, passwd: str = PASSWD):  # type: ignore[no-untyped-def]
    rootfs.write("/etc/passwd", passwd)
    rootfs.write("/etc/shadow", shadow, mode=0o640)
    return rootfs.image()


@pytest.mark.parametrize("prefix", ["", "$1$", "$5$", "$6$", "$y$", "$2b$"])
def test_default_password_found_for_every_crypt_format(rootfs, prefix: str) -> None:  # type: ignore[no-untyped-def]
    shadow = f"root:{_hash('xc3511', prefix)}:19000:0:99999:7:::\ndaemon:*:19000::::::\n"
    findings = list(DefaultPasswordCheck().evaluate(_image(rootfs, shadow)))
    fails = [f for f in findings if f.verdict is Verdict.FAIL]
    assert len(fails) == 1
    assert fails[0].location is not None and fails[0].location.path == "/etc/shadow"
    assert fails[0].location.line == 1
    assert "xc3511" not in str(fails[0].evidence)  # redacted


def test_unique_password_passes(rootfs) -> None:  # type: ignore[no-untyped-def]
    shadow = f"root:{_hash('k7#Qv9!unique-per-device', '$y$')}:19000:0:99999:7:::\n"
    findings = list(DefaultPasswordCheck().evaluate(_image(rootfs, shadow)))
    assert [f.verdict for f in findings] == [Verdict.PASS]


def test_weak_list_applies_to_any_account_and_own_name(rootfs) -> None:  # type: ignore[no-untyped-def]
    shadow = f"svc:{_hash('svc', '$6$')}:1::::::\nroot:{_hash('letmein', '$6$')}:1::::::\n"
    fails = [f for f in DefaultPasswordCheck().evaluate(_image(rootfs, shadow)) if f.verdict is Verdict.FAIL]
    assert {f.evidence["account"] for f in fails} == {"svc", "root"}


def test_budget_spent_is_inconclusive_not_pass(rootfs) -> None:  # type: ignore[no-untyped-def]
    check = DefaultPasswordCheck()
    check.budget_seconds = 0.0  # type: ignore[misc]
    shadow = f"root:{_hash('k7#Qv9!unique', '$6$')}:1::::::\n"
    assert [f.verdict for f in check.evaluate(_image(rootfs, shadow))] == [Verdict.INCONCLUSIVE]


def test_crypt_agrees_with_independent_implementations() -> None:
    for flag, prefix in (("-1", "$1$"), ("-5", "$5$"), ("-6", "$6$")):
        made = subprocess.run(
            ["openssl", "passwd", flag, "-salt", "abcdefgh", "admin"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert made.startswith(prefix)
        assert _crypt.verify("admin", made) is True
        assert _crypt.verify("Admin", made) is False
    made_b = bcrypt.hashpw(b"admin", bcrypt.gensalt(rounds=4)).decode()
    assert _crypt.verify("admin", made_b) is True
    assert _crypt.verify("nope", made_b) is False
    assert _crypt.verify("x", "$9$garbage") is None


def test_credential_list_is_shipped_and_sane() -> None:
    creds = default_credentials()
    assert 150 < len(creds) < 400
    assert any(c.user == "root" and c.password == "" for c in creds)
    assert any(c.user == "pi" and c.password == "raspberry" for c in creds)


def test_empty_password_fails_and_locked_passes(rootfs, make_rootfs) -> None:  # type: ignore[no-untyped-def]
    shadow = "root::19000:0:99999:7:::\ndaemon:*:19000::::::\n"
    fails = [f for f in EmptyPasswordCheck().evaluate(_image(rootfs, shadow)) if f.verdict is Verdict.FAIL]
    assert len(fails) == 1 and fails[0].evidence["account"] == "root"
    assert fails[0].location is not None and fails[0].location.path == "/etc/shadow"
    clean = make_rootfs("clean")
    locked = "root:!:19000:0:99999:7:::\ndaemon:*:19000::::::\n"
    assert [f.verdict for f in EmptyPasswordCheck().evaluate(_image(clean, locked))] == [Verdict.PASS]


def test_empty_field_in_passwd_without_shadow(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/passwd", "root::0:0:root:/root:/bin/ash\n")
    fails = [f for f in EmptyPasswordCheck().evaluate(rootfs.image()) if f.verdict is Verdict.FAIL]
    assert fails and fails[0].location is not None and fails[0].location.path == "/etc/passwd"


def test_no_accounts_is_not_applicable(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/bin/app", b"\x7fELF")
    for check in (EmptyPasswordCheck(), WeakPasswordHashCheck(), DefaultPasswordCheck()):
        assert [f.verdict for f in check.evaluate(rootfs.image())] == [Verdict.NOT_APPLICABLE]


@pytest.mark.parametrize("prefix", ["", "$1$"])
def test_weak_hash_fails(rootfs, prefix: str) -> None:  # type: ignore[no-untyped-def]
    shadow = f"root:{_hash('S3cure-unique!', prefix)}:1::::::\n"
    fails = [f for f in WeakPasswordHashCheck().evaluate(_image(rootfs, shadow)) if f.verdict is Verdict.FAIL]
    assert len(fails) == 1 and fails[0].evidence["scheme"] in ("descrypt", "md5crypt")


@pytest.mark.parametrize("prefix", ["$5$", "$6$", "$y$", "$2b$"])
def test_strong_hash_passes(rootfs, prefix: str) -> None:  # type: ignore[no-untyped-def]
    shadow = f"root:{_hash('S3cure-unique!', prefix)}:1::::::\n"
    assert [f.verdict for f in WeakPasswordHashCheck().evaluate(_image(rootfs, shadow))] == [Verdict.PASS]


def test_hash_in_world_readable_passwd_fails(rootfs) -> None:  # type: ignore[no-untyped-def]
    rootfs.write("/etc/passwd", f"root:{_hash('S3cure-unique!', '$6$')}:0:0::/root:/bin/sh\n")
    fails = [f for f in WeakPasswordHashCheck().evaluate(rootfs.image()) if f.verdict is Verdict.FAIL]
    assert fails and fails[0].location is not None and fails[0].location.path == "/etc/passwd"

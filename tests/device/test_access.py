"""Access control: no default credential, argon2id, password policy, sessions, roles, logging."""

from __future__ import annotations

import json
import math
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from securable.device.access import (
    AccessController,
    PasswordPolicy,
    PasswordRejectedError,
    common_passwords,
    generate_initial_credential,
    new_password_hasher,
)
from securable.device.principal import PERMISSIONS, Action, Principal, Role
from securable.errors import AccessDeniedError, UsageError
from tests.device.kit2_fixtures import Clock, ListLog

GOOD = "plum-rocket-saddle-ninety"


def _controller(tmp_path: Path, **kwargs: Any) -> AccessController:
    kwargs.setdefault("hasher", new_password_hasher(time_cost=1, memory_cost=1024))
    return AccessController(tmp_path / "accounts.json", **kwargs)


# --- credentials and policy ---------------------------------------------------------------------


def test_initial_credentials_are_random_readable_and_at_least_80_bits() -> None:
    draws = {generate_initial_credential() for _ in range(200)}
    assert len(draws) == 200
    for credential in list(draws)[:20]:
        assert re.fullmatch(r"([a-z2-9]{4}-)+[a-z2-9]{4}", credential)
        symbols = credential.replace("-", "")
        assert not set(symbols) & set("01ilo")
        assert len(symbols) * math.log2(31) >= 80
    assert len(generate_initial_credential(128).replace("-", "")) * math.log2(31) >= 128
    with pytest.raises(UsageError, match="at least 80 bits"):
        generate_initial_credential(64)


def test_the_common_password_list_ships_and_is_used() -> None:
    words = common_passwords()
    assert len(words) > 3000
    assert {"123456", "password", "admin", "changeme", "qwerty123", "iloveyou", "raspberry"} <= words
    policy = PasswordPolicy()
    for bad in ("Password123", "ADMINADMIN", "iloveyou2025", "1234567890"):
        with pytest.raises(PasswordRejectedError, match="common or breached"):
            policy.check(bad)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "shorter than 10"),
        ("x" * 300, "longer than 256"),
        ("alice-the-great", "contains the username"),
        ("SN-4711-0815!", "contains the serial number"),
        ("abababababab", "too few different characters"),
    ],
)
def test_password_policy_rules(password: str, rule: str) -> None:
    with pytest.raises(PasswordRejectedError, match=rule) as info:
        PasswordPolicy().check(password, username="alice", serial="SN-4711-0815")
    assert info.value.exit_code == 2 and info.value.diagnostics


def test_a_good_passphrase_passes_the_policy() -> None:
    PasswordPolicy().check(GOOD, username="alice", serial="SN-4711-0815")
    PasswordPolicy().check(generate_initial_credential(), username="owner")


# --- no default credential ----------------------------------------------------------------------


def test_a_fresh_device_has_no_account_and_nobody_can_log_in(tmp_path: Path) -> None:
    log = ListLog()
    access = _controller(tmp_path, log=log)
    assert access.needs_first_use_setup
    for username, password in (("admin", "admin"), ("root", ""), ("owner", "owner"), ("admin", "1234")):
        with pytest.raises(AccessDeniedError):
            access.authenticate(username, password, source=f"src-{username}-{password}")
    assert [e for e, _, _ in log.events] == ["auth.failure"] * 4


def test_provisioning_gives_each_device_its_own_label_credential(tmp_path: Path) -> None:
    first = _controller(tmp_path / "a").set_initial_credential()
    second = _controller(tmp_path / "b").set_initial_credential()
    assert first != second
    stored = (tmp_path / "a" / "accounts.json").read_text()
    assert first not in stored
    account = json.loads(stored)["accounts"][0]
    assert account["password_hash"].startswith("$argon2id$")
    assert account["role"] == "owner" and account["label_credential"] is True
    assert stat.S_IMODE((tmp_path / "a" / "accounts.json").stat().st_mode) == 0o600


def test_owner_sets_a_password_at_first_use_and_weak_ones_are_refused(tmp_path: Path) -> None:
    access = _controller(tmp_path)
    for weak in ("admin", "password", "changeme123", "owner-owner-owner"):
        with pytest.raises(PasswordRejectedError):
            access.set_initial_credential("owner", weak)
    assert access.needs_first_use_setup
    assert access.set_initial_credential("owner", GOOD) == GOOD
    assert not access.needs_first_use_setup
    with pytest.raises(AccessDeniedError, match="already has an owner"):
        access.set_initial_credential("second-owner")


# --- login, sessions, rehash --------------------------------------------------------------------


def test_login_session_validate_expire_and_revoke(tmp_path: Path) -> None:
    clock, log = Clock(), ListLog()
    access = _controller(tmp_path, clock=clock, log=log, session_ttl=timedelta(minutes=10))
    password = access.set_initial_credential("owner")
    session = access.authenticate("owner", password, source="192.0.2.10")
    assert len(session.token) >= 43 and session.expires == clock.now + timedelta(minutes=10)
    principal = access.validate(session.token)
    assert (principal.name, principal.role, principal.source) == ("owner", Role.OWNER, "192.0.2.10")
    assert session.token not in repr(access._sessions._entries)
    clock.advance(600)
    with pytest.raises(AccessDeniedError, match="expired"):
        access.validate(session.token)
    again = access.authenticate("owner", password, source="192.0.2.10")
    assert access.revoke(again.token)
    with pytest.raises(AccessDeniedError):
        access.validate(again.token)
    with pytest.raises(AccessDeniedError):
        access.validate("forged-" + "x" * 40)
    outcomes = [(e, o) for e, o, _ in log.events if e.startswith("auth.")]
    assert outcomes[:2] == [("auth.success", "success"), ("auth.success", "success")]


def test_failures_are_logged_with_source_and_never_with_the_password(tmp_path: Path) -> None:
    log = ListLog()
    access = _controller(tmp_path, log=log)
    access.set_initial_credential("owner", GOOD)
    with pytest.raises(AccessDeniedError):
        access.authenticate("owner", "wrong-guess-123", source="192.0.2.66")
    access.authenticate("owner", GOOD, source="192.0.2.10")
    failure = next(d for e, _, d in log.events if e == "auth.failure")
    success = next(d for e, _, d in log.events if e == "auth.success")
    assert failure["source"] == "192.0.2.66" and failure["username"] == "owner"
    assert isinstance(success["principal"], Principal) and success["principal"].name == "owner"
    assert "wrong-guess-123" not in repr(log.events) and GOOD not in repr(log.events)


def test_hashes_made_with_old_parameters_are_upgraded_at_login(tmp_path: Path) -> None:
    old = AccessController(
        tmp_path / "accounts.json", hasher=new_password_hasher(time_cost=1, memory_cost=1024)
    )
    old.set_initial_credential("owner", GOOD)
    log = ListLog()
    new = AccessController(
        tmp_path / "accounts.json", log=log, hasher=new_password_hasher(time_cost=2, memory_cost=2048)
    )
    new.authenticate("owner", GOOD, source="console")
    stored = json.loads((tmp_path / "accounts.json").read_text())["accounts"][0]["password_hash"]
    assert "m=2048,t=2" in stored
    assert "account.rehashed" in [e for e, _, _ in log.events]
    new.authenticate("owner", GOOD, source="console")


# --- accounts and roles -------------------------------------------------------------------------


def test_owner_manages_accounts_and_others_cannot(tmp_path: Path) -> None:
    access = _controller(tmp_path)
    access.set_initial_credential("owner", GOOD)
    owner = access.validate(access.authenticate("owner", GOOD, source="app").token)
    access.add_account(owner, "kid", "violet-kettle-orbit", Role.USER)
    kid = access.validate(access.authenticate("kid", "violet-kettle-orbit", source="app").token)
    assert kid.role is Role.USER
    with pytest.raises(AccessDeniedError):
        access.add_account(kid, "friend", "another-long-passphrase", Role.USER)
    with pytest.raises(AccessDeniedError):
        access.set_password(kid, "owner", "taken-over-by-kid")
    with pytest.raises(AccessDeniedError, match="current password"):
        access.set_password(kid, "kid", "new-kid-passphrase", current_password="nope")
    access.set_password(kid, "kid", "new-kid-passphrase", current_password="violet-kettle-orbit")
    with pytest.raises(UsageError, match="one owner"):
        access.add_account(owner, "owner2", "yet-another-passphrase", Role.OWNER)
    access.remove_account(owner, "kid")
    with pytest.raises(AccessDeniedError):
        access.authenticate("kid", "new-kid-passphrase", source="app")


def test_password_change_ends_existing_sessions(tmp_path: Path) -> None:
    access = _controller(tmp_path)
    label = access.set_initial_credential("owner")
    session = access.authenticate("owner", label, source="app")
    owner = access.validate(session.token)
    access.set_password(owner, "owner", GOOD)
    with pytest.raises(AccessDeniedError):
        access.validate(session.token)
    access.authenticate("owner", GOOD, source="app")


def test_factory_reset_removes_all_local_credentials(tmp_path: Path) -> None:
    access = _controller(tmp_path)
    access.set_initial_credential("owner", GOOD)
    session = access.authenticate("owner", GOOD, source="app")
    access.remove_all_local_credentials()
    assert access.needs_first_use_setup and not (tmp_path / "accounts.json").exists()
    with pytest.raises(AccessDeniedError):
        access.validate(session.token)
    with pytest.raises(AccessDeniedError):
        access.authenticate("owner", GOOD, source="app")


def test_damaged_account_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "accounts.json").write_text("{not json")
    with pytest.raises(Exception, match="damaged") as info:
        _controller(tmp_path).authenticate("owner", GOOD, source="app")
    assert "factory-reset" in str(info.value)


def test_principal_is_the_device_kit_principal(tmp_path: Path) -> None:
    access = _controller(tmp_path)
    access.set_initial_credential("owner", GOOD)
    assert isinstance(access.validate(access.authenticate("owner", GOOD, source="s").token), Principal)
    assert datetime.now(UTC) - access._clock() < timedelta(seconds=5)


_DENIED = [(role, action) for role in Role for action in Action if action not in PERMISSIONS[role]]


@pytest.fixture(scope="module")
def staffed(tmp_path_factory: pytest.TempPathFactory) -> tuple[AccessController, ListLog, dict[Role, str]]:
    log = ListLog()
    access = _controller(tmp_path_factory.mktemp("roles"), log=log)
    access.set_initial_credential("owner", GOOD)
    tokens = {Role.OWNER: access.authenticate("owner", GOOD, source="app").token}
    owner = access.validate(tokens[Role.OWNER])
    for role in (Role.USER, Role.SERVICE, Role.MANUFACTURER_SUPPORT):
        access.add_account(owner, f"acct-{role.value}", f"{role.value}-long-passphrase-7", role)
        tokens[role] = access.authenticate(
            f"acct-{role.value}", f"{role.value}-long-passphrase-7", "app"
        ).token
    return access, log, tokens


@pytest.mark.parametrize(("role", "action"), _DENIED, ids=[f"{r.value}-{a.value}" for r, a in _DENIED])
def test_each_action_is_denied_to_a_role_without_permission(
    staffed: tuple[AccessController, ListLog, dict[Role, str]], role: Role, action: Action
) -> None:
    access, log, tokens = staffed
    with pytest.raises(AccessDeniedError, match=f"role {role.value} may not"):
        access.authorize(tokens[role], action)
    event, outcome, details = log.events[-1]
    assert (event, outcome, details["action"]) == ("access.denied", "failure", action.value)


def test_permitted_actions_are_allowed(staffed: tuple[AccessController, ListLog, dict[Role, str]]) -> None:
    access, _, tokens = staffed
    assert _DENIED  # the table really denies something
    for role, actions in PERMISSIONS.items():
        for action in actions:
            assert access.authorize(tokens[role], action).role is role
    with pytest.raises(AccessDeniedError):
        access.authorize(tokens[Role.OWNER], "no.such.action")


def test_factory_reset_of_the_config_store_removes_the_credentials(tmp_path: Path) -> None:
    from securable.device.config import ConfigStore, DeviceSettings

    access = _controller(tmp_path)
    access.set_initial_credential("owner", GOOD)
    owner = access.validate(access.authenticate("owner", GOOD, source="app").token)
    config: ConfigStore[DeviceSettings] = ConfigStore(tmp_path / "config.json")
    access.register_with(config)
    report = config.factory_reset(owner)
    assert "access" in report.hooks_run
    assert access.needs_first_use_setup

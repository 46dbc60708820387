from __future__ import annotations

import dataclasses

import pytest

from securable.device.principal import PERMISSIONS, Action, Principal, Role, can


def test_owner_may_do_everything() -> None:
    owner = Principal("alice", Role.OWNER, "127.0.0.1")
    assert all(can(owner, a) for a in Action)


def test_table_is_deny_by_default() -> None:
    user = Principal("bob", Role.USER)
    assert can(user, Action.CONFIG_READ)
    assert not can(user, Action.CONFIG_CHANGE)
    assert not can(user, "reset")
    assert not can(Principal("s", Role.MANUFACTURER_SUPPORT), Action.DATA_ERASE)
    assert can(Principal("s", Role.MANUFACTURER_SUPPORT), "log.read")
    assert can(Principal("u", Role.SERVICE), Action.UPDATE_INSTALL)
    assert not can(Principal("u", Role.SERVICE), Action.UPDATE_CONFIGURE)


def test_unknown_action_and_missing_principal_refused() -> None:
    assert not can(Principal("alice", Role.OWNER), "launch.missiles")
    assert not can(None, Action.CONFIG_READ)


def test_principal_is_frozen_and_every_role_has_an_entry() -> None:
    p = Principal("alice", Role.OWNER)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.name = "mallory"  # type: ignore[misc]
    assert set(PERMISSIONS) == set(Role)
    assert str(p) == "alice(owner)"

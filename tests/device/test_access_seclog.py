"""Every authentication success and failure reaches the real, verifiable security log."""

from __future__ import annotations

from pathlib import Path

import pytest

from securable.device.access import AccessController, new_password_hasher
from securable.device.interfaces import AuthMethod, Interface, InterfaceKind, InterfaceRegistry
from securable.device.principal import Action
from securable.device.seclog import SecurityLog
from securable.errors import AccessDeniedError

GOOD = "plum-rocket-saddle-ninety"


def test_auth_events_are_in_the_security_log_and_it_verifies(tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "seclog")
    access = AccessController(
        tmp_path / "accounts.json", log=log, hasher=new_password_hasher(time_cost=1, memory_cost=1024)
    )
    access.set_initial_credential("owner", GOOD)
    with pytest.raises(AccessDeniedError):
        access.authenticate("owner", "not-the-password", source="192.0.2.66")
    with pytest.raises(AccessDeniedError):
        access.authenticate("admin", "admin", source="192.0.2.66")
    owner = access.validate(access.authenticate("owner", GOOD, source="192.0.2.10").token)
    access.require(owner, Action.RESET)
    registry = InterfaceRegistry(
        [Interface("uart", InterfaceKind.PHYSICAL, AuthMethod.PASSWORD, "uart", purpose="console")], log=log
    )
    registry.disable("uart", principal=owner)

    records = list(log.records())
    auth = [
        (r["event"], r["outcome"], r["details"].get("username"), r["details"].get("source"))
        for r in records
        if r["event"].startswith("auth.")
    ]
    assert auth == [
        ("auth.failure", "failure", "owner", "192.0.2.66"),
        ("auth.failure", "failure", "admin", "192.0.2.66"),
        ("auth.success", "success", "owner", "192.0.2.10"),
    ]
    change = records[-1]
    assert change["event"] == "interface.change" and change["details"] == {
        "interface": "uart",
        "enabled": False,
    }
    assert change["principal"] is not None
    assert GOOD.encode() not in b"".join(
        p.read_bytes() for p in (tmp_path / "seclog").rglob("*") if p.is_file()
    )
    assert log.verify().ok

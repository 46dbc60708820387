"""Configuration changed behind the API (issue 19, item 3): the file is bound to the security log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from securable.device.config import ConfigStore
from securable.device.principal import Principal, Role
from securable.device.seclog import DeviceState, security_state
from tests.device.seclog_kit import Clock, keystore, open_log

OWNER = Principal("alice", Role.OWNER, "192.0.2.10")


# --- 3. configuration changed behind the API -----------------------------------------------------


def test_configuration_edited_behind_the_api_is_detected(tmp_path: Path) -> None:
    keys, _ = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock())
    store = ConfigStore(tmp_path / "config.json", log=log)
    store.change(OWNER, device_name="hall")
    assert security_state(log, OWNER, config=store).state is DeviceState.EXPECTED
    doc = json.loads((tmp_path / "config.json").read_text())
    doc["settings"].update(debug_interfaces_enabled=True, api_login_required=False, updates_enabled=False)
    (tmp_path / "config.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")  # same revision

    report = security_state(log, OWNER, config=store)
    assert report.state is DeviceState.DEGRADED
    assert any("changed outside the API" in r for r in report.reasons), report.reasons

    reloaded = ConfigStore(tmp_path / "config.json", log=log)  # the next boot
    assert reloaded.tampered
    settings = reloaded.get()  # the tampered file is not trusted: secure defaults are in force
    assert not settings.debug_interfaces_enabled and settings.api_login_required and settings.updates_enabled
    assert any(r["event"] == "config.tamper" for r in log.records())
    assert security_state(log, OWNER, config=reloaded).state is DeviceState.DEGRADED
    # the owner re-authorizes a configuration through the API: the device is bound again
    reloaded.change(OWNER, device_name="hall")
    assert not ConfigStore(tmp_path / "config.json", log=log).tampered
    assert security_state(log, OWNER, config=reloaded).state is DeviceState.EXPECTED


def test_configuration_rolled_back_or_deleted_behind_the_api_is_detected(tmp_path: Path) -> None:
    keys, _ = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock())
    store = ConfigStore(tmp_path / "config.json", log=log)
    store.change(OWNER, debug_interfaces_enabled=True)
    old = (tmp_path / "config.json").read_bytes()
    store.change(OWNER, debug_interfaces_enabled=False)
    (tmp_path / "config.json").write_bytes(old)  # an authorized but superseded file
    assert ConfigStore(tmp_path / "config.json", log=log).tampered
    (tmp_path / "config.json").unlink()
    assert ConfigStore(tmp_path / "config.json", log=log).tampered


def test_configuration_survives_a_crash_between_authorizing_and_writing(tmp_path: Path) -> None:
    keys, _ = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock())
    store = ConfigStore(tmp_path / "config.json", log=log)
    store.change(OWNER, device_name="hall")

    def crash(_: Path) -> None:
        raise KeyboardInterrupt  # the power fails after the change was authorized, before the rename

    crashing = ConfigStore(tmp_path / "config.json", log=log, before_rename=crash)
    with pytest.raises(KeyboardInterrupt):
        crashing.change(OWNER, device_name="kitchen")
    reloaded = ConfigStore(tmp_path / "config.json", log=log)
    assert not reloaded.tampered and reloaded.get().device_name == "hall"

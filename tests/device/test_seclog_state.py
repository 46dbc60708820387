"""The security state report: expected vs possibly degraded, and only for authorized roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from securable.device.config import ConfigStore
from securable.device.principal import Principal, Role
from securable.device.seclog import DeviceState, SecurityEvent, SecurityLog, security_state
from securable.errors import AccessDeniedError

OWNER = Principal("alice", Role.OWNER)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_healthy_device_is_operating_as_expected(tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log", clock=lambda: NOW)
    config = ConfigStore(tmp_path / "config.json", log=log)
    config.change(OWNER, device_name="hall")
    log.record(SecurityEvent.UPDATE_INSTALL, "success")
    report = security_state(log, OWNER, config=config, clock=lambda: NOW)
    assert report.state is DeviceState.EXPECTED and report.reasons == () and report.log_verified
    assert report.to_json()["state"] == "operating as expected"
    assert list(log.records())[-1]["event"] == "log.read"  # reading the state is itself logged


def test_each_warning_sign_degrades_the_state(tmp_path: Path) -> None:
    times = iter([NOW - timedelta(hours=2)] + [NOW - timedelta(minutes=1)] * 100)
    log = SecurityLog(tmp_path / "log", clock=lambda: next(times, NOW))
    config = ConfigStore(tmp_path / "config.json", log=log)
    config.change(OWNER, device_name="hall")
    for _ in range(10):
        log.record(SecurityEvent.AUTH_FAILURE, "failure", source="192.0.2.7")
    log.record(SecurityEvent.UPDATE_VERIFY, "failure", reason="signature")
    doc = json.loads((tmp_path / "config.json").read_text())
    doc["revision"] = 7  # changed behind the API
    (tmp_path / "config.json").write_text(json.dumps(doc))
    report = security_state(log, OWNER, config=config, clock=lambda: NOW)
    assert report.state is DeviceState.DEGRADED
    text = " | ".join(report.reasons)
    assert "10 failed logins" in text and "update.verify" in text and "drift" in text


def test_tampered_log_degrades_the_state(tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log")
    for i in range(4):
        log.record(SecurityEvent.AUTH_SUCCESS, "success", n=i)
    seg = tmp_path / "log" / "segment-00000001.jsonl"
    seg.write_bytes(seg.read_bytes().replace(b'"n":1', b'"n":9'))
    report = security_state(log, OWNER)
    assert report.state is DeviceState.DEGRADED and "record 1" in report.reasons[0]


def test_only_authorized_roles_read_the_state(tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log")
    with pytest.raises(AccessDeniedError):
        security_state(log, Principal("bob", Role.USER))
    with pytest.raises(AccessDeniedError):
        security_state(log, None)
    assert [r["event"] for r in log.records()] == ["access.denied", "access.denied"]
    assert security_state(log, Principal("s", Role.MANUFACTURER_SUPPORT)).state is DeviceState.EXPECTED

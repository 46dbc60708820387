"""Configuration: secure defaults, authorized and logged changes, refusal naming the setting,
factory reset through real erase hooks (keeping the IDevID), and no torn file after a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from securable.device.access import AccessController, new_password_hasher
from securable.device.config import ConfigStore, DeviceSettings
from securable.device.identity import IdentityVerifier, ManufacturerCA, OwnerCA, provision_device
from securable.device.keystore import FileKeystore
from securable.device.principal import Principal, Role
from securable.device.protect import Vault
from securable.device.seclog import SecurityLog
from securable.errors import AccessDeniedError, ConfigError, IntegrityError, KeystoreError

OWNER = Principal("alice", Role.OWNER, "127.0.0.1")
USER = Principal("bob", Role.USER, "127.0.0.1")


def events(log: SecurityLog) -> list[tuple[str, str]]:
    return [(r["event"], r["outcome"]) for r in log.records()]


def test_defaults_are_secure() -> None:
    s = DeviceSettings()
    security = [n for n, f in DeviceSettings.model_fields.items() if isinstance(f.json_schema_extra, dict)]
    assert len(security) >= 6 and all(getattr(s, n) is True for n in security)
    assert not s.remote_support_enabled and not s.debug_interfaces_enabled and not s.telemetry_enabled
    assert s.lockout_threshold == 5


def test_owner_change_is_persisted_versioned_and_logged(tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log")
    store = ConfigStore(tmp_path / "cfg" / "config.json", log=log)
    assert not store.initialized and store.revision == 0
    new = store.change(OWNER, device_name="hall", updates_automatic=False)
    assert new.device_name == "hall" and store.revision == 1
    assert oct((tmp_path / "cfg" / "config.json").stat().st_mode & 0o777) == "0o600"
    reopened = ConfigStore(tmp_path / "cfg" / "config.json")
    assert reopened.get() == new and reopened.revision == 1
    last = list(log.records())[-1]
    assert last["event"] == "config.change" and last["details"]["weakened"] == ["updates_automatic"]
    assert last["principal"]["name"] == "alice" and last["details"]["revision"] == 1
    store.change(OWNER, device_name="hall")  # no change, no new revision
    assert store.revision == 1


def test_unauthorized_change_is_refused_and_logged(tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log")
    store = ConfigStore(tmp_path / "config.json", log=log)
    for who in (USER, None, Principal("s", Role.MANUFACTURER_SUPPORT)):
        with pytest.raises(AccessDeniedError):
            store.change(who, api_login_required=False)
    assert store.get().api_login_required and not (tmp_path / "config.json").exists()
    assert events(log) == [("access.denied", "failure")] * 3
    with pytest.raises(AccessDeniedError):
        store.factory_reset(USER)


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"lockout_threshold": 0}, "lockout_threshold"),
        ({"updates_enabled": "yes"}, "updates_enabled"),
        ({"device_name": "x" * 65}, "device_name"),
        ({"device_name": "ok", "session_timeout_minutes": -1}, "session_timeout_minutes"),
        ({"telnet_enabled": True}, "telnet_enabled"),
    ],
)
def test_invalid_configuration_names_the_setting_and_keeps_the_old(
    tmp_path: Path, settings: dict[str, object], name: str
) -> None:
    log = SecurityLog(tmp_path / "log")
    store = ConfigStore(tmp_path / "config.json", log=log)
    store.change(OWNER, device_name="before")
    before = (tmp_path / "config.json").read_bytes()
    with pytest.raises(ConfigError, match=name) as info:
        store.change(OWNER, **settings)
    assert info.value.exit_code == 2 and info.value.diagnostics
    assert store.get().device_name == "before" and store.revision == 1
    assert (tmp_path / "config.json").read_bytes() == before
    assert list(log.records())[-1]["details"]["setting"] == name


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"format": "other"}')
    with pytest.raises(ConfigError, match="unreadable"):
        ConfigStore(tmp_path / "config.json")


def test_factory_reset_erases_credentials_and_data_keeps_idevid(tmp_path: Path) -> None:
    ca = ManufacturerCA.create(tmp_path / "ca", "Acme")
    verifier = IdentityVerifier([ca.root])
    keystore = FileKeystore(tmp_path / "device" / "keys")
    ids = tmp_path / "device" / "identity"
    idevid = provision_device(ca, keystore, ids, serial_number="SN-7", model="T-100")
    log = SecurityLog(tmp_path / "device" / "log", keystore=keystore, key_id="idevid")
    keystore.attach_log(log)
    owner_ca = OwnerCA.create(tmp_path / "owner", "Home")
    challenge = verifier.challenge()
    idevid.install_ldevid(owner_ca.enroll(idevid.enrollment_request(challenge), challenge, verifier))
    assert (ids / "ldevid.pem").exists() and keystore.exists("ldevid")
    access = AccessController(
        tmp_path / "device" / "accounts.json",
        log=log,
        hasher=new_password_hasher(time_cost=1, memory_cost=1024),
    )
    access.set_initial_credential("alice", "plum-rocket-saddle-ninety")
    vault = Vault(tmp_path / "device" / "vault", keystore, signing_key="idevid", log=log)
    vault.put("alice", "schedule", b"wake 06:30")
    store = ConfigStore(tmp_path / "device" / "config.json", log=log)
    store.change(OWNER, remote_support_enabled=True, device_name="bedroom")
    store.on_reset(vault.factory_reset_hook(), "vault")
    store.on_reset(access.remove_all_local_credentials, "accounts")
    store.on_reset(idevid.remove_local_identities, "ldevid")

    report = store.factory_reset(OWNER)

    assert report.hooks_run == ["vault", "accounts", "ldevid"] and not report.hooks_failed
    assert store.get() == DeviceSettings() and not store.initialized
    assert not (tmp_path / "device" / "config.json").exists()
    assert access.needs_first_use_setup  # no user credential is left
    with pytest.raises((IntegrityError, KeystoreError, FileNotFoundError)):
        vault.get("alice", "schedule")
    assert not keystore.exists("ldevid") and not (ids / "ldevid.pem").exists()
    # The IDevID survives and still proves the device's identity.
    challenge = verifier.challenge()
    assert verifier.verify(idevid.prove(challenge), challenge).serial_number == "SN-7"
    # The reset is on record in a log that still verifies with the device key.
    resets = [r for r in log.records() if r["event"] == "reset"]
    assert [r["details"]["stage"] for r in resets] == ["start", "done"] and resets[-1]["outcome"] == "success"
    log.checkpoint()
    assert log.verify().ok and log.verify().signed


def test_reset_runs_every_hook_even_if_one_fails(tmp_path: Path) -> None:
    log = SecurityLog(tmp_path / "log")
    store = ConfigStore(tmp_path / "config.json", log=log)
    ran: list[str] = []

    def broken() -> None:
        raise OSError("disk gone")

    store.on_reset(broken, "broken")
    store.on_reset(lambda: ran.append("after"), "after")
    report = store.factory_reset(OWNER)
    assert ran == ["after"] and "disk gone" in report.hooks_failed["broken"]
    assert list(log.records())[-1]["outcome"] == "failure"


def test_crash_before_rename_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    ConfigStore(path).change(OWNER, device_name="old")
    before = path.read_bytes()

    def crash(tmp: Path) -> None:
        assert json.loads(tmp.read_bytes())["settings"]["device_name"] == "new"  # fully written, fsynced
        raise KeyboardInterrupt  # what a signal would do at the worst moment

    store = ConfigStore(path, before_rename=crash)
    with pytest.raises(KeyboardInterrupt):
        store.change(OWNER, device_name="new")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]  # no temp file left behind
    assert ConfigStore(path).get().device_name == "old"


WRITER = textwrap.dedent(
    """
    import sys
    from securable.device.config import ConfigStore
    from securable.device.principal import Principal, Role
    store = ConfigStore(sys.argv[1])
    owner = Principal("o", Role.OWNER)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        store.change(owner, device_name=f"name-{i}" + "x" * (i % 40), lockout_threshold=1 + i % 20)
    """
)


@pytest.mark.integration
def test_kill_9_mid_write_never_leaves_a_torn_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    for attempt in range(3):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        time.sleep(0.15 + 0.05 * attempt)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        store = ConfigStore(path)  # parses: the old or the new file, never a mix
        assert store.revision > 0 and store.get().device_name.startswith("name-")


def test_products_extend_the_schema(tmp_path: Path) -> None:
    from pydantic import Field

    class ThermostatSettings(DeviceSettings):
        target_celsius: float = Field(20.0, ge=5, le=30)

    store = ConfigStore(tmp_path / "config.json", ThermostatSettings)
    store.change(OWNER, target_celsius=21)
    assert ConfigStore(tmp_path / "config.json", ThermostatSettings).get() == ThermostatSettings(
        target_celsius=21.0
    )
    with pytest.raises(ConfigError, match="target_celsius"):
        store.change(OWNER, target_celsius=99)

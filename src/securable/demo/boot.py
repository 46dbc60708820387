"""Boot a provisioned secure unit from its state folder: what the device itself does at power-on.

This is the device's side of the factory's work in :mod:`securable.demo.factory`: it reads the
state the production line wrote (keys, identity, accounts, settings, vault, update slots) and
assembles a :class:`~securable.demo.secure.SecureDevice`. It lives apart from both so that the
import graph stays one-way: ``factory -> secure`` and ``boot -> secure``, never back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from securable.demo.secure import LOG_KEY, VAULT_KEY, DeviceFiles, SecureDevice
from securable.device import (
    AccessController,
    ConfigStore,
    DeviceIdentity,
    DeviceUpdater,
    FileKeystore,
    SecurityLog,
    Vault,
)


def open_device(state: Path, *, address: str) -> SecureDevice:
    """Assemble the provisioned unit in ``state``, to serve on ``address``."""
    files = DeviceFiles(state)
    info = json.loads(files.info.read_text())
    keystore = FileKeystore(files.keys)
    log = SecurityLog(files.log, keystore=keystore, key_id=LOG_KEY)
    keystore.attach_log(log)
    identity = DeviceIdentity.load(files.root / "identity", keystore, log=log)
    access = AccessController(files.accounts, log, serial=info["serial"])
    config = ConfigStore(files.config, log=log)
    vault = Vault(files.vault, keystore, signing_key=VAULT_KEY, log=log)
    vault.register_with(config)
    config.on_reset(access.remove_all_local_credentials, "local credentials")
    updater = DeviceUpdater(
        files.update,
        metadata_url=info["update_url"] + "/metadata",
        targets_url=info["update_url"] + "/targets",
        trusted_root=info["trusted_root"].encode(),
        hardware_id=info["hardware_id"],
        log=log,
    )
    return SecureDevice(
        files,
        info,
        address=address,
        identity=identity,
        log=log,
        access=access,
        config=config,
        vault=vault,
        updater=updater,
    )


def onboard(state: Path, password: str, **choices: Any) -> None:
    """The owner's setup, as the companion app does it: log in with the label's initial password
    and record the owner's choices (settings of :class:`~securable.device.DeviceSettings`).
    Telemetry is opt-in (off in the secure defaults), so the unit sends nothing to the
    manufacturer unless the owner says ``telemetry_enabled=True`` here."""
    files = DeviceFiles(state)
    info = json.loads(files.info.read_text())
    keystore = FileKeystore(files.keys)
    log = SecurityLog(files.log, keystore=keystore, key_id=LOG_KEY)
    keystore.attach_log(log)
    access = AccessController(files.accounts, log, serial=info["serial"])
    session = access.authenticate("owner", password, "companion-app")
    owner = access.validate(session.token)
    ConfigStore(files.config, log=log).change(owner, **choices)

"""The manufacturer's side of the demo: CA, update repository and production-line provisioning.

Everything here uses the public API of :mod:`securable.device` and the manufacturer's tools in
:mod:`securable.device.manufacturer`, as a device maker would: the manufacturer CA issues each
unit's IDevID and TLS certificate, the TUF release repository publishes the firmware, and
provisioning gives the unit its own keys, a unique initial owner credential for its label, and
secure-default configuration. The unit boots from that state in :mod:`securable.demo.boot`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securable.demo.secure import API_PORT, LOG_KEY, VAULT_KEY, DeviceFiles
from securable.demo.thermostat import MANUFACTURER, MODEL
from securable.device import (
    AccessController,
    AuthMethod,
    FileKeystore,
    Interface,
    InterfaceKind,
    InterfaceRegistry,
    SecurityLog,
)
from securable.device.manufacturer import ManufacturerCA, ReleaseRepository, provision_device
from securable.device.update import ABSlots, Release, SlotManifest

HARDWARE_ID = "st-100-rev-b"


@dataclass
class Manufacturer:
    """The factory: a device CA and a TUF release repository, both in ``root``."""

    root: Path
    ca: ManufacturerCA
    repo: ReleaseRepository

    @classmethod
    def create(cls, root: Path) -> Manufacturer:
        ca = ManufacturerCA.create(root / "ca", MANUFACTURER)
        repo = ReleaseRepository.create(root / "updates", root_keys=2, root_threshold=2)
        return cls(root, ca, repo)

    def trust_material(self) -> dict[str, bytes]:
        """Public trust anchors shipped in every image (never a private key)."""
        return {
            "manufacturer-root.pem": (self.ca.directory / "root.pem").read_bytes(),
            "tuf-root.json": self.repo.trusted_root(),
        }

    def release(self, image: Path, version: str, security_version: int) -> Release:
        release = self.repo.add_release(
            image, version=version, security_version=security_version, hardware_ids=[HARDWARE_ID]
        )
        self.repo.publish()
        return release


def interface_registry() -> InterfaceRegistry:
    """The secure build's interfaces: one network API; the debug UART exists but is disabled."""
    return InterfaceRegistry(
        [
            Interface(
                name="local HTTPS API",
                kind=InterfaceKind.NETWORK,
                auth=AuthMethod.UNIQUE_PASSWORD,
                protocol="https",
                port=API_PORT,
                purpose="local control by the owner's app (owner login, TLS 1.2+)",
            ),
            Interface(
                name="debug UART",
                kind=InterfaceKind.PHYSICAL,
                auth=AuthMethod.PASSWORD,
                enabled_by_default=False,
                purpose="factory repair only; disabled in software on shipped units",
            ),
        ]
    )


def provision(
    manufacturer: Manufacturer,
    state: Path,
    *,
    serial: str,
    version: str,
    update_url: str,
    label_dir: Path,
    factory_image: tuple[Path, Release],
    telemetry: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """Production-line provisioning of one unit into ``state``; returns the label data.

    ``factory_image`` is the released image flashed into slot A as the confirmed first image.
    """
    files = DeviceFiles(state)
    state.mkdir(parents=True, exist_ok=True)
    image, release = factory_image
    with image.open("rb") as handle:
        ABSlots.in_folder(files.update).provision(handle, SlotManifest.for_image(image, release))
    keystore = FileKeystore(files.keys)
    keystore.generate(LOG_KEY)
    log = SecurityLog(files.log, keystore=keystore, key_id=LOG_KEY)
    keystore.attach_log(log)
    identity = provision_device(
        manufacturer.ca, keystore, state / "identity", serial_number=serial, model=MODEL, log=log
    )
    access = AccessController(files.accounts, log, serial=serial)
    initial_password = access.set_initial_credential("owner")
    keystore.generate(VAULT_KEY)
    info = {
        "serial": serial,
        "version": version,
        "api_port": API_PORT,
        "hardware_id": HARDWARE_ID,
        "update_url": update_url,
        "trusted_root": manufacturer.repo.trusted_root().decode(),
        "manufacturer_root": (manufacturer.ca.directory / "root.pem").read_text(),
        "telemetry": {"host": telemetry[0], "port": telemetry[1]} if telemetry else None,
    }
    files.info.write_text(json.dumps(info, indent=2))
    label = identity.label
    label_dir.mkdir(parents=True, exist_ok=True)
    qr = label.save_qr(label_dir / f"label-{serial}.png")
    (label_dir / f"label-{serial}.txt").write_text(
        f"{label.text}\nID {label.logical_id}\nInitial owner password: {initial_password}\n"
    )
    return {"serial": serial, "password": initial_password, "qr": str(qr), "logical_id": label.logical_id}

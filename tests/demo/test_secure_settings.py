"""The secure unit applies its owner's settings (NIST IR 8425 PC-3): the update policy reaches the
updater and the telemetry opt-in reaches the telemetry sender, against a running unit with a real
TUF repository served on loopback and a real mosquitto broker with mutual TLS."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from securable.demo.boot import onboard, open_device
from securable.demo.broker import TelemetrySubscriber, start_broker
from securable.demo.factory import Manufacturer, provision
from securable.demo.secure import SecureDevice
from securable.device.update import UpdateMode
from securable.device.update.server import serve_in_thread

pytestmark = pytest.mark.integration


def _image(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.write_bytes(name.encode() * 512)
    return path


Unit = Callable[..., SecureDevice]


@pytest.fixture
def unit(tmp_path: Path) -> Iterator[Unit]:
    """Opens the provisioned unit after its owner recorded the given settings through a login."""
    maker = Manufacturer.create(tmp_path / "maker")
    first = maker.release(_image(tmp_path, "fw-1.0.0.bin"), "1.0.0", security_version=1)
    maker.release(_image(tmp_path, "fw-1.0.1.bin"), "1.0.1", security_version=2)
    with serve_in_thread(maker.repo.public_dir) as server:
        state = tmp_path / "unit"
        label = provision(
            maker,
            state,
            serial="ST100-000077",
            version="1.0.0",
            update_url=f"http://127.0.0.1:{server.server_address[1]}",
            label_dir=tmp_path / "labels",
            factory_image=(tmp_path / "fw-1.0.0.bin", first),
        )

        def open_unit(**choices: object) -> SecureDevice:
            if choices:
                onboard(state, label["password"], **choices)
            return open_device(state, address="127.0.0.1")

        yield open_unit


def _settle(device: SecureDevice, seconds: float = 20.0) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and device.update_state.get("state") == "checking":
        time.sleep(0.05)
    return device.update_state


def test_notify_only_reports_the_offer_and_installs_nothing(unit: Unit) -> None:
    device = unit(updates_automatic=False)
    device.start()
    try:
        assert device.updater is not None and device.updater.policy.mode is UpdateMode.NOTIFY
        assert _settle(device) == {"state": "available", "version": "1.0.1"}
    finally:
        device.stop()


def test_updates_turned_off_are_not_checked(unit: Unit) -> None:
    device = unit(updates_enabled=False)
    device.start()
    try:
        assert _settle(device) == {"state": "disabled by the owner"}
    finally:
        device.stop()


def test_automatic_updates_install_the_published_release(unit: Unit) -> None:
    device = unit()
    device.start()
    try:
        assert _settle(device) == {"state": "installed", "version": "1.0.1", "confirmed": True}
    finally:
        device.stop()


def test_telemetry_leaves_only_after_the_owner_opts_in(tmp_path: Path) -> None:
    maker = Manufacturer.create(tmp_path / "maker")
    first = maker.release(_image(tmp_path, "fw-1.0.0.bin"), "1.0.0", security_version=1)
    broker = start_broker(maker, tmp_path / "broker")
    if broker is None:
        pytest.skip("mosquitto is not installed (scripts/bootstrap installs it)")
    subscriber = TelemetrySubscriber(maker, broker)
    try:
        with serve_in_thread(maker.repo.public_dir) as server:
            state = tmp_path / "unit"
            label = provision(
                maker,
                state,
                serial="ST100-000078",
                version="1.0.0",
                update_url=f"http://127.0.0.1:{server.server_address[1]}",
                label_dir=tmp_path / "labels",
                factory_image=(tmp_path / "fw-1.0.0.bin", first),
                telemetry=(broker.host, broker.port),
            )
            device = open_device(state, address="127.0.0.1")
            device.start()
            try:
                time.sleep(1.5)
                assert subscriber.messages == 0, (
                    "telemetry is opt-in: nothing may leave before the owner says yes"
                )
            finally:
                device.stop()
            onboard(state, label["password"], telemetry_enabled=True)
            device = open_device(state, address="127.0.0.1")
            device.start()
            try:
                deadline = time.monotonic() + 15
                while subscriber.messages == 0 and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert subscriber.messages > 0
            finally:
                device.stop()
    finally:
        subscriber.stop()
        broker.stop()

"""The broker refuses a client without credentials."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import CONNACK_NOT_AUTHORIZED, Mqtt, Ports, ProbeSet, host, mqtt_broker


def build(tmp: Path) -> Case:
    probe = ProbeSet(
        scanner=Ports({1883}), stream=mqtt_broker(1883, CONNACK_NOT_AUTHORIZED), mqtt=Mqtt({1883: False})
    )
    return Case(target=host(probe, [1883]))

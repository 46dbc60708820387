"""Builders for traffic-check fixtures: a declaration and what a component was seen doing."""

from __future__ import annotations

from typing import Any

from securable.assess.model import TargetKind
from securable.assess.observe import ObservedConnection, ObservedTraffic
from securable.assess.targets import Declaration
from tests.assess.checks._fixtures import Case


def declaration(protection: str = "mutual-tls", authentication: str = "mutual-certificate") -> Declaration:
    data: dict[str, Any] = {
        "schema": "securable/product/v1",
        "product": {"name": "Test Thermostat", "manufacturer": "Example Devices Ltd"},
        "components": [
            {"name": "unit", "kind": "device", "address": "198.18.0.2"},
            {"name": "broker", "kind": "backend", "address": "198.18.0.1"},
        ],
        "connections": [
            {"from": "unit", "to": "broker", "protocol": "mqtt", "port": 8883, "protection": protection,
             "authentication": authentication, "data": ["temperature"]},
        ],
    }  # fmt: skip
    return Declaration.from_mapping(data)


def seen(address: str, port: int, *protocols: str) -> ObservedConnection:
    return ObservedConnection("tcp", address, port, protocols or ("unknown",), 1, ("capture", "table"))


def case(*connections: ObservedConnection, decl: Declaration | None = None) -> Case:
    traffic = ObservedTraffic("unit", 3.0, ("capture", "table:pid"), tuple(connections))
    return Case(traffic, {TargetKind.DECLARATION: decl or declaration()})

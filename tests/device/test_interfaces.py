"""The interface registry: undeclared is closed, disabled is closed, and the export is a valid declaration."""

from __future__ import annotations

import json
import socket
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from securable.device.interfaces import (
    AuthMethod,
    Interface,
    InterfaceKind,
    InterfaceRegistry,
    process_listening_sockets,
)
from securable.errors import UsageError


class _Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def record(self, event: str, outcome: str, /, **details: Any) -> None:
        self.events.append((event, outcome, details))


def _thermostat(log: _Log | None = None) -> InterfaceRegistry:
    return InterfaceRegistry(
        [
            Interface(
                "https-api",
                InterfaceKind.NETWORK,
                AuthMethod.UNIQUE_PASSWORD,
                "https",
                8443,
                purpose="owner's local API",
            ),
            Interface(
                "mqtt-cloud",
                InterfaceKind.CLOUD_API,
                AuthMethod.CERTIFICATE,
                "mqtts",
                8883,
                purpose="telemetry to the manufacturer cloud",
            ),
            Interface(
                "uart-console",
                InterfaceKind.PHYSICAL,
                AuthMethod.PASSWORD,
                "uart",
                enabled_by_default=False,
                purpose="service console",
            ),
            Interface(
                "jtag",
                InterfaceKind.PHYSICAL,
                AuthMethod.KEY,
                "jtag",
                enabled_by_default=False,
                purpose="debug; fused off in production",
            ),
            Interface("ble-pairing", InterfaceKind.RADIO, AuthMethod.PAIRING, "ble", purpose="setup"),
            Interface(
                "mdns",
                InterfaceKind.NETWORK,
                AuthMethod.NONE,
                "mdns",
                5353,
                unauthenticated_ok=True,
                purpose="discovery only; carries no commands",
            ),
        ],
        log=log,
    )


def _schema() -> dict[str, Any]:
    text = resources.files("securable.assess").joinpath("data/product.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_undeclared_and_disabled_ports_are_closed() -> None:
    registry = _thermostat()
    assert registry.is_allowed(8443) and registry.is_allowed(8883)
    assert not registry.is_allowed(23) and not registry.is_allowed(8080)
    assert registry.is_enabled("ble-pairing") and not registry.is_enabled("uart-console")
    assert not registry.is_enabled("telnet")


def test_disabling_an_interface_closes_it_and_is_logged() -> None:
    log = _Log()
    registry = _thermostat(log)
    registry.disable("https-api", principal="owner")
    assert not registry.is_allowed(8443)
    registry.enable("uart-console")
    assert registry.is_enabled("uart-console")
    assert [(e, d["interface"], d["enabled"]) for e, _, d in log.events] == [
        ("interface.change", "https-api", False),
        ("interface.change", "uart-console", True),
    ]
    registry.reset()
    assert registry.is_allowed(8443) and not registry.is_enabled("uart-console")


def test_drift_reports_listening_ports_that_are_not_declared() -> None:
    log = _Log()
    registry = _thermostat(log)
    assert registry.undeclared_ports([8443, 23, 8883, 2323]) == [23, 2323]
    assert log.events[-1][0] == "interface.drift" and log.events[-1][2]["ports"] == [23, 2323]


def test_export_is_valid_against_the_assess_declaration_schema() -> None:
    exported = _thermostat().export_declaration()
    document = {
        "schema": "securable/product/v1",
        "product": {"name": "Thermostat", "manufacturer": "Acme"},
        "interfaces": exported,
    }
    jsonschema.Draft202012Validator(_schema()).validate(document)
    by_name = {item["name"]: item for item in exported}
    assert by_name["https-api"] == {
        "name": "https-api",
        "kind": "network",
        "protocol": "https",
        "port": 8443,
        "auth": "unique-password",
        "enabled_by_default": True,
        "purpose": "owner's local API",
    }
    assert by_name["jtag"]["enabled_by_default"] is False and "port" not in by_name["jtag"]
    # the schema really is strict: an unknown key in our shape would have been caught
    broken = dict(document, interfaces=[dict(exported[0], tls=True)])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema()).validate(broken)


def test_export_round_trips_through_from_declaration() -> None:
    exported = _thermostat().export_declaration()
    again = InterfaceRegistry.from_declaration(exported)
    assert again.export_declaration() == exported
    assert again.is_allowed(5353) and not again.is_enabled("jtag")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"auth": AuthMethod.NONE}, "declares no authentication"),
        ({"auth": "magic"}, "auth 'magic' is unknown"),
        ({"kind": "wormhole"}, "kind 'wormhole' is unknown"),
        ({"port": 70000}, "is not 1-65535"),
        ({"kind": InterfaceKind.PHYSICAL, "port": 22}, "only network and cloud-api"),
        ({"name": " "}, "needs a name"),
    ],
)
def test_bad_declarations_are_refused(kwargs: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"name": "ssh", "kind": InterfaceKind.NETWORK, "auth": AuthMethod.KEY, "port": 22}
    with pytest.raises(UsageError, match=message) as info:
        Interface(**{**base, **kwargs})
    assert info.value.exit_code == 2


def test_duplicates_and_port_clashes_are_refused() -> None:
    registry = _thermostat()
    with pytest.raises(UsageError, match="declared twice"):
        registry.declare(Interface("jtag", InterfaceKind.PHYSICAL, AuthMethod.KEY))
    with pytest.raises(UsageError, match="both use port 8443"):
        registry.declare(Interface("admin", InterfaceKind.NETWORK, AuthMethod.PASSWORD, port=8443))
    with pytest.raises(UsageError, match="no interface named"):
        registry.disable("telnet")


def _listening_registry(port: int, log: _Log | None = None) -> InterfaceRegistry:
    return InterfaceRegistry(
        [Interface("https-api", InterfaceKind.NETWORK, AuthMethod.CERTIFICATE, "https", port)], log=log
    )


@pytest.mark.integration
def test_the_process_own_listening_sockets_are_found_and_checked() -> None:
    declared = socket.create_server(("127.0.0.1", 0))
    stray = socket.create_server(("127.0.0.1", 0))
    wildcard_v6 = socket.create_server(("::1", 0), family=socket.AF_INET6)
    connected = socket.create_connection(declared.getsockname()[:2])  # not a listener
    with declared, stray, wildcard_v6, connected:
        ports = {p for _, p in process_listening_sockets()}
        mine = {s.getsockname()[1] for s in (declared, stray, wildcard_v6)}
        assert mine <= ports and connected.getsockname()[1] not in ports
        assert ("127.0.0.1", stray.getsockname()[1]) in process_listening_sockets()
        assert ("::1", wildcard_v6.getsockname()[1]) in process_listening_sockets()
        log = _Log()
        registry = _listening_registry(declared.getsockname()[1], log)
        problems = {p.port: p.reasons for p in registry.unprotected_process_listeners()}
        assert declared.getsockname()[1] not in problems
        assert problems[stray.getsockname()[1]] == ("not-allowed",)
        assert problems[wildcard_v6.getsockname()[1]] == ("not-allowed",)
        assert log.events[-1][0] == "interface.drift"
    # closed sockets disappear from the list
    assert not mine & {p for _, p in process_listening_sockets()}


@pytest.mark.integration
def test_process_listeners_with_a_tls_probe(tmp_path: Path) -> None:
    from securable.device.tls import server_context
    from tests.device.kit2_fixtures import HandshakeServer, TestCA

    leaf = TestCA(tmp_path / "ca").issue("device api")
    tls_server = HandshakeServer(server_context(leaf.cert_pem, leaf.key_path))
    registry = _listening_registry(tls_server.port)
    plain = socket.create_server(("127.0.0.1", 0))
    plain_port = plain.getsockname()[1]
    with plain:
        registry.declare(Interface("legacy", InterfaceKind.NETWORK, AuthMethod.PASSWORD, "http", plain_port))
        # the plain listener is never served: the probe times out and reports it as not TLS
        problems = {
            p.port: p.reasons for p in registry.unprotected_process_listeners(probe_tls=True, timeout=1)
        }
    tls_server.join()
    assert tls_server.port not in problems
    assert problems[plain_port] == ("not-tls",)


def test_a_process_that_does_not_exist_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="process 999999999"):
        process_listening_sockets(999999999)

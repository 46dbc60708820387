"""A CoAP setpoint that takes a PUT without DTLS or OSCORE."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Coap, ProbeSet, Udp, host

OPEN_READ = [{"name": "sensor", "kind": "network", "protocol": "coap", "port": 5683, "auth": "none"}]


def build(tmp: Path) -> Case:
    coap = Coap({"/temperature": ("2.05", "4.05"), "/setpoint": ("2.05", "2.04")})
    return Case(target=host(ProbeSet(udp=Udp({5683: "open"}), coap=coap), [], OPEN_READ, udp_ports=[5683]))

"""A CoAP resource readable by anyone while the declaration says the interface needs auth."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Coap, ProbeSet, Udp, host

PROTECTED = [{"name": "sensor", "kind": "network", "protocol": "coap", "port": 5683, "auth": "token"}]


def build(tmp: Path) -> Case:
    coap = Coap({"/temperature": ("2.05", "4.05")})
    return Case(target=host(ProbeSet(udp=Udp({5683: "open"}), coap=coap), [], PROTECTED, udp_ports=[5683]))

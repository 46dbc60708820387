"""Read-only CoAP resources, declared as open (auth: none); writes refused with 4.05."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Coap, ProbeSet, Udp, host

OPEN_READ = [{"name": "sensor", "kind": "network", "protocol": "coap", "port": 5683, "auth": "none"}]


def build(tmp: Path) -> Case:
    coap = Coap({"/temperature": ("2.05", "4.05"), "/config": ("4.01", "4.01")})
    return Case(target=host(ProbeSet(udp=Udp({5683: "open"}), coap=coap), [], OPEN_READ, udp_ports=[5683]))

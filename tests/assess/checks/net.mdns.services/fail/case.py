"""The device announces an SSH service nobody declared; its TXT carries a serial number."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Mdns, ProbeSet, Udp, host

from securable.assess.targets.host import MdnsService

DECLARED = [{"name": "web", "kind": "network", "protocol": "https", "port": 443, "auth": "user-set-password"}]


def build(tmp: Path) -> Case:
    services = [
        MdnsService("Thermostat._https._tcp.local.", "_https._tcp.local.", 443, {"sn": "ST100-000042"}),
        MdnsService("Thermostat._ssh._tcp.local.", "_ssh._tcp.local.", 22, {}),
    ]
    probe = ProbeSet(udp=Udp({5353: "open"}), mdns=Mdns(services))
    return Case(target=host(probe, [], DECLARED, udp_ports=[5353]))

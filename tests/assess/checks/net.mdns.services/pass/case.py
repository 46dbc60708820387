"""Only the declared HTTPS interface is announced; its TXT content is an info finding."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Mdns, ProbeSet, Udp, host

from securable.assess.targets.host import MdnsService

DECLARED = [{"name": "web", "kind": "network", "protocol": "https", "port": 443, "auth": "user-set-password"}]


def build(tmp: Path) -> Case:
    services = [MdnsService("Thermostat._https._tcp.local.", "_https._tcp.local.", 443, {"fw": "2.4.1"})]
    probe = ProbeSet(udp=Udp({5353: "open"}), mdns=Mdns(services))
    return Case(target=host(probe, [], DECLARED, udp_ports=[5353]))

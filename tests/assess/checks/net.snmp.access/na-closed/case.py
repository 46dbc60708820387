"""UDP port 161 refuses (ICMP port unreachable): no SNMP agent."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import ProbeSet, Udp, host


def build(tmp: Path) -> Case:
    return Case(target=host(ProbeSet(udp=Udp({161: "closed"})), [], udp_ports=[161]))

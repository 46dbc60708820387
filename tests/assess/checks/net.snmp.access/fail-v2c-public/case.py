"""A v2c agent that answers the community 'public'."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import ProbeSet, Snmp, Udp, host


def build(tmp: Path) -> Case:
    probe = ProbeSet(udp=Udp({161: "open|filtered"}), snmp=Snmp({("v2c", "public"), ("v1", "public")}))
    return Case(target=host(probe, [], udp_ports=[161]))

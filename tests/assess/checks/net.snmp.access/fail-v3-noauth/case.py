"""An SNMPv3 agent with a user that needs no authentication (noAuthNoPriv)."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import ProbeSet, Snmp, Udp, host


def build(tmp: Path) -> Case:
    probe = ProbeSet(udp=Udp({161: "open"}), snmp=Snmp({("v3", "initial")}))
    return Case(target=host(probe, [], udp_ports=[161]))

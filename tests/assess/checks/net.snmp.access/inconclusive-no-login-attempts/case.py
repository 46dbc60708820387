"""Login attempts switched off: no community is tried, and the check says so."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import ProbeSet, Snmp, Udp, host


def build(tmp: Path) -> Case:
    probe = ProbeSet(udp=Udp({161: "open"}), snmp=Snmp({("v2c", "public")}))
    return Case(target=host(probe, [], udp_ports=[161], login_attempts=False))

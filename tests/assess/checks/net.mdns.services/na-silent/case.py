"""No mDNS answer on UDP 5353."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Mdns, ProbeSet, Udp, host


def build(tmp: Path) -> Case:
    return Case(
        target=host(ProbeSet(udp=Udp({5353: "open|filtered"}), mdns=Mdns(None)), [], udp_ports=[5353])
    )

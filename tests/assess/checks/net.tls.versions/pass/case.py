"""The TLS service negotiates TLS 1.2 and 1.3 only."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Banners, Ports, ProbeSet, Tls, accepts_versions, host


def build(tmp: Path) -> Case:
    probe = ProbeSet(
        scanner=Ports({8883}), stream=Banners(), tls=Tls({8883: accepts_versions("TLSv1.2", "TLSv1.3")})
    )
    return Case(target=host(probe, [8883]))

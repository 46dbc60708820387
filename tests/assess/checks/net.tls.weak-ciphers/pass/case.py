"""The TLS service refuses every weak cipher class offered alone."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Banners, Ports, ProbeSet, Tls, accepts_versions, host


def build(tmp: Path) -> Case:
    probe = ProbeSet(
        scanner=Ports({8443}), stream=Banners(), tls=Tls({8443: accepts_versions("TLSv1.2", "TLSv1.3")})
    )
    return Case(target=host(probe, [8443]))

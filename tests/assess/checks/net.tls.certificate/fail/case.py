"""The TLS service sends a certificate that expired yesterday."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import (
    Banners,
    Ports,
    ProbeSet,
    Tls,
    accepts_versions,
    certificate_der,
    host,
)


def build(tmp: Path) -> Case:
    chain = (certificate_der(expired=True),)
    probe = ProbeSet(
        scanner=Ports({8443}), stream=Banners(), tls=Tls({8443: accepts_versions("TLSv1.3", chain=chain)})
    )
    return Case(target=host(probe, [8443]))

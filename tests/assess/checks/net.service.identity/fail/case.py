"""Port 8443 is declared https but answers plain HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Banners, Http, Ports, ProbeSet, host, page


def build(tmp: Path) -> Case:
    declared = [{"name": "api", "protocol": "https", "port": 8443, "auth": "password"}]
    probe = ProbeSet(
        scanner=Ports({8443}), stream=Banners(), http=Http({(8443, "/"): page(200, b"<html>device</html>")})
    )
    return Case(target=host(probe, [8443], declared))

"""The only open port, 8443, is the declared HTTPS API."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Ports, ProbeSet, host


def build(tmp: Path) -> Case:
    declared = [{"name": "local HTTPS API", "protocol": "https", "port": 8443, "auth": "password"}]
    return Case(target=host(ProbeSet(scanner=Ports({8443})), [22, 8443], declared))

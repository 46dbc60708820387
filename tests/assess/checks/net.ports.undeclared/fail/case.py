"""Telnet on 2323 answers, but only the HTTPS API on 8443 is declared."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import TELNET_BANNER, Banners, Ports, ProbeSet, host


def build(tmp: Path) -> Case:
    declared = [{"name": "local HTTPS API", "protocol": "https", "port": 8443, "auth": "password"}]
    probe = ProbeSet(scanner=Ports({2323, 8443}), stream=Banners({2323: TELNET_BANNER}))
    return Case(target=host(probe, [2323, 8443], declared))

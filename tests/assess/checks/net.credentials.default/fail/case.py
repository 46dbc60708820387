"""The telnet service lets admin/admin in."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import TELNET_BANNER, Banners, Ports, ProbeSet, Telnet, host


def build(tmp: Path) -> Case:
    probe = ProbeSet(
        scanner=Ports({2323}), stream=Banners({2323: TELNET_BANNER}), telnet=Telnet({("admin", "admin")})
    )
    return Case(target=host(probe, [2323]))

"""Only SSH is open: credentials travel encrypted."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import SSH_BANNER, Banners, Ports, ProbeSet, host


def build(tmp: Path) -> Case:
    probe = ProbeSet(scanner=Ports({22}), stream=Banners({22: SSH_BANNER}))
    return Case(target=host(probe, [22]))

"""Nothing listens: there is nothing to judge."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import ProbeSet, host


def build(tmp: Path) -> Case:
    return Case(target=host(ProbeSet(), [22, 80]))

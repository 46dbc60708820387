"""A login form is served over plain HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import LOGIN_FORM, Banners, Http, Ports, ProbeSet, host, page


def build(tmp: Path) -> Case:
    probe = ProbeSet(
        scanner=Ports({8080}),
        stream=Banners(),
        http=Http({(8080, "/"): page(200, LOGIN_FORM)}, not_found_on={8080}),
    )
    return Case(target=host(probe, [8080]))

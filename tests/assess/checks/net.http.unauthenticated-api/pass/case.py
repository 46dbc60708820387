"""The API answers 401 without credentials."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Banners, Http, Ports, ProbeSet, host, page


def build(tmp: Path) -> Case:
    http = Http(
        {(8080, "/"): page(200, b"<html>device</html>"), (8080, "/api/status"): page(401, b"login first")},
        not_found_on={8080},
    )
    probe = ProbeSet(scanner=Ports({8080}), stream=Banners(), http=http)
    return Case(target=host(probe, [8080], http_paths=["/api/status", "/api/config"]))

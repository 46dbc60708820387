"""The SSDP answer points to a description on another host: it is not fetched."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Http, ProbeSet, Udp, host, ssdp_reply


def build(tmp: Path) -> Case:
    http = Http({})
    udp = Udp({1900: "open"}, {1900: ssdp_reply("http://192.0.2.50:80/desc.xml")})
    case = Case(target=host(ProbeSet(udp=udp, http=http), [], udp_ports=[1900]))

    def nothing_was_fetched() -> None:
        assert http.requests == [], http.requests

    case.cleanup = nothing_was_fetched
    return case

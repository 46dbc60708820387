"""An IGD whose control URL refuses an unauthorized client (UPnP error 606)."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import (
    ADDRESS,
    IGD_SERVICE,
    Http,
    ProbeSet,
    Udp,
    host,
    page,
    ssdp_reply,
    upnp_description,
)


def build(tmp: Path) -> Case:
    udp = Udp({1900: "open"}, {1900: ssdp_reply(f"http://{ADDRESS}:49152/desc.xml")})
    http = Http(
        {
            (49152, "/desc.xml"): page(200, upnp_description(IGD_SERVICE)),
            (49152, "/ctl/0"): page(500, b"<UPnPError><errorCode>606</errorCode></UPnPError>"),
        }
    )
    return Case(target=host(ProbeSet(udp=udp, http=http), [], udp_ports=[1900]))

"""A UPnP media device: SSDP answers, but no port-mapping service is offered."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import (
    ADDRESS,
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
    desc = upnp_description("urn:schemas-upnp-org:service:ContentDirectory:1")
    http = Http({(49152, "/desc.xml"): page(200, desc)})
    return Case(target=host(ProbeSet(udp=udp, http=http), [], udp_ports=[1900]))

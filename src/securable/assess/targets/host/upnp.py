"""UPnP on the device: its SSDP answer, its device description, and its control URLs.

Discovery is a unicast M-SEARCH to the device's own port 1900 (never the multicast group), and
only a description that the device serves itself is fetched: a LOCATION naming another host is
reported, not followed, so no request leaves for a machine that is not under assessment.
Description XML is hostile input: parsed without entities, DTDs or network access, and bounded.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from securable.assess import netscan
from securable.assess.targets.host.probe import HttpResponse, Probe

__all__ = [
    "IGD_SERVICES",
    "UpnpDevice",
    "UpnpService",
    "discover_upnp",
    "igd_control_answer",
    "parse_ssdp",
]

IGD_SERVICES = ("WANIPConnection", "WANPPPConnection")
"""Internet Gateway Device services whose control URL takes AddPortMapping."""

_SOAP = (
    '<?xml version="1.0"?>\r\n'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">'
    '<s:Body><u:{action} xmlns:u="{service}"/></s:Body></s:Envelope>\r\n'
)


@dataclass(frozen=True)
class UpnpService:
    service_type: str
    control_url: str

    @property
    def igd(self) -> bool:
        return any(f":{name}:" in self.service_type for name in IGD_SERVICES)


@dataclass(frozen=True)
class UpnpDevice:
    """What the device said over SSDP and in its description."""

    headers: Mapping[str, str]
    location: str | None
    description_fetched: bool = False
    note: str = ""  # why the description was not fetched or read
    friendly_name: str = ""
    model: str = ""
    services: tuple[UpnpService, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {
            "server": self.headers.get("server", ""),
            "st": self.headers.get("st", ""),
            "location": self.location,
            "friendly_name": self.friendly_name,
            "model": self.model,
            "services": [s.service_type for s in self.services],
            **({"note": self.note} if self.note else {}),
        }


def parse_ssdp(data: bytes) -> dict[str, str] | None:
    """An SSDP search response (``HTTP/1.1 200 OK`` and headers) → lower-case header map."""
    text = data[:8192].decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    if not lines or not lines[0].upper().startswith("HTTP/1.") or " 200" not in lines[0]:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip().lower()] = value.strip()[:512]
    return headers


def _same_host(url_host: str | None, address: str) -> bool:
    if not url_host:
        return False
    return url_host.strip("[]").lower() == address.split("%", 1)[0].lower()


def _split(url: str, address: str) -> tuple[int, str, bool] | None:
    """(port, path, tls) of ``url`` when it points at ``address`` itself, else None."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not _same_host(parts.hostname, address):
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    path = parts.path or "/"
    return port, path + (f"?{parts.query}" if parts.query else ""), parts.scheme == "https"


def _xml_root(body: bytes) -> object | None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root: object = etree.fromstring(body[:262144], parser=parser)
        return root
    except etree.XMLSyntaxError:
        return None


def _text(node: object, name: str) -> str:
    found = node.find(f".//{{*}}{name}")  # type: ignore[attr-defined]
    return "" if found is None or found.text is None else str(found.text).strip()[:256]


def discover_upnp(probe: Probe, address: str, port: int = 1900) -> UpnpDevice | None:
    """Ask the device by unicast M-SEARCH; fetch and read its description. None: no answer."""
    reply = probe.udp_exchange(address, port, netscan.ssdp_msearch(address, port), wait=2.0)
    headers = parse_ssdp(reply) if reply else None
    if headers is None:
        return None
    location = headers.get("location")
    if not location:
        return UpnpDevice(headers, None, note="the SSDP answer names no description (no LOCATION)")
    where = _split(location, address)
    if where is None:
        return UpnpDevice(headers, location, note="the description is on another host; not fetched")
    desc_port, path, tls = where
    page = probe.http(address, desc_port, "GET", path, tls=tls)
    if page is None or page.status != 200:
        status = "no answer" if page is None else f"HTTP {page.status}"
        return UpnpDevice(headers, location, note=f"the description could not be fetched ({status})")
    root = _xml_root(page.body)
    if root is None:
        return UpnpDevice(headers, location, True, note="the description is not well-formed XML")
    services: list[UpnpService] = []
    for node in root.iter("{*}service"):  # type: ignore[attr-defined]
        service_type = _text(node, "serviceType")
        control = _text(node, "controlURL")
        if service_type and control:
            services.append(UpnpService(service_type, urllib.parse.urljoin(location, control)))
        if len(services) >= 64:
            break
    return UpnpDevice(
        headers,
        location,
        True,
        friendly_name=_text(root, "friendlyName"),
        model=_text(root, "modelName"),
        services=tuple(services),
    )


def igd_control_answer(probe: Probe, address: str, service: UpnpService) -> HttpResponse | str | None:
    """POST the read-only ``GetExternalIPAddress`` action to an IGD control URL: it is the same
    endpoint that takes AddPortMapping, and asking it changes nothing on the device. A string
    says why it was not asked (the URL points elsewhere)."""
    where = _split(service.control_url, address)
    if where is None:
        return "the control URL is on another host; not asked"
    port, path, tls = where
    action = "GetExternalIPAddress"
    body = _SOAP.format(action=action, service=service.service_type).encode()
    headers = {
        "Content-Type": 'text/xml; charset="utf-8"',
        "SOAPAction": f'"{service.service_type}#{action}"',
    }
    return probe.http(address, port, "POST", path, tls=tls, headers=headers, body=body)

"""Service identification: what runs on one open port, from a banner and a few harmless requests.

Server-first protocols (SSH, telnet, FTP, SMTP) name themselves in their first bytes; the rest are
asked, each on a fresh connection and reading a few KiB at most: a TLS handshake, an HTTP
``GET /``, an MQTT CONNECT. Only the stream, TLS and HTTP seams are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from securable.assess import netclients
from securable.assess.targets.host.probe import HttpProbe, StreamProbe, TlsProbe

__all__ = ["SERVICE_NAMES", "IdentifyProbe", "ServiceInfo", "identify"]


class IdentifyProbe(StreamProbe, TlsProbe, HttpProbe, Protocol):
    """The seams identification needs."""


SERVICE_NAMES = ("ssh", "telnet", "ftp", "smtp", "http", "https", "mqtt", "mqtts", "tls", "unknown")
"""What :func:`identify` can name; ``tls`` is TLS whose inner protocol could not be read."""


@dataclass(frozen=True)
class ServiceInfo:
    """What runs on one open port, as far as one polite round of probes can tell."""

    port: int
    service: str
    tls: bool = False
    banner: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "service": self.service,
            "tls": self.tls,
            "banner": self.banner,
            **dict(self.evidence),
        }


def _printable(data: bytes, limit: int = 200) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()


def identify(probe: IdentifyProbe, address: str, port: int) -> ServiceInfo:
    """Name the service on ``port``: server-first banners (SSH, telnet, FTP, SMTP), then TLS,
    then HTTP, then MQTT — each on a fresh connection, reading a few KiB at most."""
    first = probe.exchange(address, port, b"", wait=0.6)
    if first is None:
        return ServiceInfo(port, "unknown", evidence={"note": "connection failed during identification"})
    if first:
        if first.startswith(b"SSH-"):
            line = first.split(b"\n", 1)[0].strip()
            return ServiceInfo(port, "ssh", banner=_printable(line))
        text, _ = netclients.strip_telnet_commands(first)
        prompt = netclients.prompt_kind(text)
        shell_prompt = prompt == "shell"
        if first[0] == netclients.IAC or prompt is not None:
            ev = {"shell_without_login": True} if shell_prompt else {}
            return ServiceInfo(port, "telnet", banner=_printable(text), evidence=ev)
        if first.startswith(b"220"):
            upper = first.upper()
            name = "smtp" if b"SMTP" in upper and b"FTP" not in upper else "ftp"
            return ServiceInfo(port, name, banner=_printable(first))
        return ServiceInfo(port, "unknown", banner=_printable(first))
    hs = probe.tls_handshake(address, port)
    if hs.accepted:
        tls_ev: dict[str, Any] = {"tls_version": hs.version, "client_auth": hs.client_auth}
        resp = probe.http(address, port, "GET", "/", tls=True)
        if resp is not None:
            return ServiceInfo(
                port,
                "https",
                tls=True,
                banner=_printable(resp.header("server").encode()),
                evidence={**tls_ev, "http_status": resp.status},
            )
        ack = netclients.mqtt_connack_code(
            probe.exchange(address, port, netclients.mqtt_connect_packet(), tls=True, wait=1.0) or b""
        )
        if ack is not None:
            return ServiceInfo(port, "mqtts", tls=True, evidence={**tls_ev, "connack": ack})
        return ServiceInfo(port, "tls", tls=True, evidence=tls_ev)
    resp = probe.http(address, port, "GET", "/", tls=False)
    if resp is not None:
        return ServiceInfo(
            port,
            "http",
            banner=_printable(resp.header("server").encode()),
            evidence={"http_status": resp.status},
        )
    ack = netclients.mqtt_connack_code(
        probe.exchange(address, port, netclients.mqtt_connect_packet(), wait=1.0) or b""
    )
    if ack is not None:
        return ServiceInfo(port, "mqtt", evidence={"connack": ack})
    return ServiceInfo(port, "unknown")

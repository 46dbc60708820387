"""Declaration parsing for the live target: the interfaces and listening services of
``product.yaml`` that a probe can reach, in one vocabulary.

The checks compare what answers on the network with what the manufacturer declared; this module
is the one place that turns either declaration vocabulary into :class:`DeclaredInterface`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from securable.errors import DeclarationError

__all__ = [
    "KEY_ONLY_AUTH",
    "PASSWORD_AUTH",
    "PORT_KINDS",
    "UDP_PROTOCOLS",
    "DeclaredInterface",
    "declared_interfaces_from",
]


# Both vocabularies in use: the device kit's export (network|local|service, none|password|
# certificate|token|mtls) and product.yaml's schema (adds physical, radio, cloud-api and finer
# password/key kinds). Only network and service interfaces with a port are reachable by probes.
_KINDS = ("network", "local", "service", "physical", "radio", "cloud-api")
PORT_KINDS = frozenset({"network", "service"})
"""Interface kinds that have a port a probe can reach."""
_AUTH = (
    "none",
    "password",
    "unique-password",
    "user-set-password",
    "certificate",
    "token",
    "mtls",
    "key",
    "pairing",
    "other",
)
PASSWORD_AUTH = frozenset({"password", "unique-password", "user-set-password"})
"""Declared auth values meaning the interface takes a password."""
KEY_ONLY_AUTH = frozenset({"certificate", "mtls", "key", "token"})
"""Declared auth values meaning the interface takes no password at all."""
UDP_PROTOCOLS = frozenset(
    {"udp", "snmp", "snmpv3", "coap", "coaps", "mdns", "dns-sd", "dnssd", "ssdp", "upnp", "dns", "ntp"}
    | {"tftp", "dhcp", "syslog", "dtls", "quic", "lwm2m", "sip", "rtp", "openthread", "matter"}
)
"""Declared protocol names that run over UDP; any other (or none) is taken as TCP."""


@dataclass(frozen=True)
class DeclaredInterface:
    """One interface of the product declaration (``interfaces:`` in product.yaml)."""

    name: str
    kind: str = "network"
    protocol: str | None = None
    port: int | None = None
    auth: str | None = None
    enabled: bool = True
    purpose: str = ""

    @classmethod
    def coerce(cls, raw: Any) -> DeclaredInterface:
        """From a mapping or any object with the same attributes (e.g. a declaration model)."""
        if isinstance(raw, DeclaredInterface):
            return raw

        def get(key: str, default: Any = None) -> Any:
            if isinstance(raw, Mapping):
                return raw.get(key, default)
            return getattr(raw, key, default)

        name = get("name")
        if not name:
            raise DeclarationError(
                "declared interface without a name", diagnostics="give every entry of interfaces: a name"
            )
        kind = str(getattr(get("kind", "network"), "value", get("kind", "network")) or "network").lower()
        if kind not in _KINDS:
            raise DeclarationError(
                f"interface {name!r}: unknown kind {kind!r}",
                diagnostics=f"kind is one of {', '.join(_KINDS)}",
            )
        auth_raw = get("auth")
        auth = None if auth_raw is None else str(getattr(auth_raw, "value", auth_raw)).lower()
        if auth is not None and auth not in _AUTH:
            raise DeclarationError(
                f"interface {name!r}: unknown auth {auth!r}", diagnostics=f"auth is one of {', '.join(_AUTH)}"
            )
        port_raw = get("port")
        port: int | None = None
        if port_raw is not None:
            try:
                port = int(port_raw)
            except (TypeError, ValueError):
                port = -1
            if not 1 <= port <= 65535:
                raise DeclarationError(
                    f"interface {name!r}: bad port {port_raw!r}",
                    diagnostics="port is a number from 1 to 65535",
                )
        protocol = get("protocol")
        return cls(
            name=str(name),
            kind=kind,
            protocol=None if protocol is None else str(protocol).lower(),
            port=port,
            auth=auth,
            enabled=bool(get("enabled", get("enabled_by_default", True))),
            purpose=str(get("purpose", "") or ""),
        )

    @property
    def transport(self) -> str:
        """``udp`` when the declared protocol runs over UDP (``coap``, ``snmp``, ``mdns``, …, or a
        name like ``coap/udp``), else ``tcp``."""
        name = (self.protocol or "").lower()
        parts = {name, *name.replace("+", "/").replace(" ", "/").split("/")}
        return "udp" if parts & UDP_PROTOCOLS else "tcp"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def declared_interfaces_from(declaration: Any) -> list[DeclaredInterface]:
    """The interfaces *and* the port-bearing software services of a product declaration.

    ``declaration`` is a :class:`~securable.assess.targets.declaration.Declaration` (anything with
    ``items(name)``) or the plain product.yaml mapping. Services become interfaces of kind
    ``service``: a service that listens is declared attack surface just like an interface.
    """

    def items(name: str) -> list[Any]:
        if hasattr(declaration, "items") and not isinstance(declaration, Mapping):
            return list(declaration.items(name))
        value = declaration.get(name) if isinstance(declaration, Mapping) else None
        return list(value) if isinstance(value, list) else []

    out = [DeclaredInterface.coerce(raw) for raw in items("interfaces")]
    for raw in items("services"):
        if isinstance(raw, Mapping) and raw.get("port") is not None:
            out.append(DeclaredInterface.coerce({**raw, "kind": "service"}))
    return out

"""The traffic check base and the matching of observed connections to declared ones."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from securable.assess.check import Check, NotApplicable
from securable.assess.model import Location, TargetKind
from securable.assess.observe import ObservedConnection, ObservedTraffic
from securable.assess.targets.components import Component, Connection
from securable.assess.targets.declaration import Declaration

_LOCAL_NAMES = {"localhost": ("127.0.0.1", "::1")}
_DEFAULT_PORTS = {"https": 443, "http": 80}


class TrafficCheck(Check[ObservedTraffic]):
    """A check of one component's observed traffic against the declaration of the run."""

    target = TargetKind.TRAFFIC

    @property
    def declaration(self) -> Declaration | None:
        if self.context is None:
            return None
        decl = self.context.targets.get(TargetKind.DECLARATION)
        return decl if isinstance(decl, Declaration) else None

    def applies(self, target: ObservedTraffic) -> NotApplicable | None:
        if self.declaration is None:
            return NotApplicable("no product declaration to compare the observed traffic with")
        return None

    def declared_from(self, target: ObservedTraffic) -> tuple[Connection, ...]:
        decl = self.declaration
        if decl is None:
            return ()
        return tuple(c for c in decl.connections if c.source == target.component)


def where(observed: ObservedConnection) -> Location:
    return Location(host=observed.remote, port=observed.remote_port, service=observed.transport)


def _same_address(text: str, remote: str) -> bool:
    candidates = _LOCAL_NAMES.get(text.lower(), (text,))
    for candidate in candidates:
        try:
            if ipaddress.ip_address(candidate.strip("[]")) == ipaddress.ip_address(remote):
                return True
        except ValueError:
            continue
    return False


def _port(connection: Connection, target: Component | None) -> int | None:
    if connection.port is not None:
        return connection.port
    if target is not None and target.base_url:
        parts = urlsplit(target.base_url)
        return parts.port or _DEFAULT_PORTS.get(parts.scheme)
    return None


def matches(connection: Connection, target: Component | None, observed: ObservedConnection) -> bool:
    """True when ``observed`` is an instance of the declared ``connection``.

    The transport must agree, the port when one is declared, and the address when the target
    component declares one (a component without an address matches on the port alone).
    """
    if connection.transport != observed.transport:
        return False
    port = _port(connection, target)
    if port is not None and port != observed.remote_port:
        return False
    addresses = target.hosts if target is not None else ()
    if addresses and not any(_same_address(a, observed.remote) for a in addresses):
        return False
    return port is not None or bool(addresses)


def declared_for(
    observed: ObservedConnection, connections: Sequence[Connection], decl: Declaration
) -> Connection | None:
    """The first declared connection ``observed`` is an instance of."""
    for connection in connections:
        if matches(connection, decl.component(connection.target), observed):
            return connection
    return None

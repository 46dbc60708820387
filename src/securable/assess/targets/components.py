"""The product as a graph: the ``components:`` and ``connections:`` of ``product.yaml``.

NIST IR 8425 assesses an *IoT product* — the device and its other components (a hub, the
manufacturer's backend, the companion app) — and several outcomes speak of data and transmissions
*between* components (IAC-2, DP-3) or of each component (DP-1, PC-3). The declaration therefore
names every component with how to reach it (a firmware file, a network address, a base URL, an app
package) and every connection (from → to, protocol, port, protection, authentication, data).

Declarations written before components existed keep working: with no ``components:`` one device
component is implied, named after the product. The older kinds ``cloud`` and ``gateway`` are read
as ``backend`` and ``hub``.

Graph rules, checked when the declaration is read (a broken graph is an input error, exit 2):
component names are unique; a connection names two declared components and not the same one
twice. Cycles are fine — a device and its backend talk both ways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from securable.errors import DeclarationError

__all__ = ["KIND_ALIASES", "Component", "Connection", "read_components", "read_connections"]

#: Older declarations' kinds, read as the four kinds the assessment knows.
KIND_ALIASES = {"cloud": "backend", "gateway": "hub", "other": "hub"}
#: Protections that encrypt and authenticate the channel itself.
CHANNEL_PROTECTIONS = frozenset({"tls", "mutual-tls", "dtls", "ssh"})
_FIX = "correct the components/connections of product.yaml (see examples/product.yaml)"


@dataclass(frozen=True)
class Component:
    """One part of the product and where the assessment can reach it (empty: declared only)."""

    name: str
    kind: str  # device | hub | backend | app
    declared_kind: str = ""  # as written (cloud, gateway... for older declarations)
    description: str = ""
    firmware: str = ""  # path of its firmware image, relative paths against product.yaml's folder
    address: str = ""  # network address of the live component
    ports: str = ""  # --ports syntax, for its live probe
    base_url: str = ""  # for a backend: its API's base URL
    package: str = ""  # for an app: the app package (APK) path
    implied: bool = False  # True when the declaration has no components: section

    @property
    def reachable(self) -> bool:
        """True when the declaration says how to reach the component at all."""
        return bool(self.firmware or self.address or self.base_url or self.package)

    @property
    def hosts(self) -> tuple[str, ...]:
        """Where the component is declared to be: its address, then the host of its base URL."""
        out = [self.address] if self.address else []
        if self.base_url:
            host = urlsplit(self.base_url).hostname
            if host:
                out.append(host)
        return tuple(out)


@dataclass(frozen=True)
class Connection:
    """One declared connection: ``source`` opens it to ``target`` (names of components)."""

    source: str
    target: str
    protocol: str
    port: int | None = None
    transport: str = "tcp"
    protection: str = ""  # tls | mutual-tls | dtls | ssh | signed | none; "" = not declared
    authentication: str = ""  # none | password | token | certificate | mutual-certificate | ...
    data: tuple[str, ...] = ()
    description: str = ""

    @property
    def label(self) -> str:
        """``thermostat → telemetry broker (mqtt/8883)``: how reports name the connection."""
        where = f"{self.protocol}/{self.port}" if self.port is not None else self.protocol
        return f"{self.source} → {self.target} ({where})"

    @property
    def encrypted(self) -> bool:
        """True when the declared protection encrypts the channel (TLS, DTLS, SSH)."""
        return self.protection in CHANNEL_PROTECTIONS


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return str(value).strip() if value is not None else ""


def _resolve(path: str, base: Path | None) -> str:
    if not path or base is None or Path(path).is_absolute():
        return path
    return str(base / path)


def read_components(
    rows: Sequence[Mapping[str, Any]], *, product_name: str, ref: str, base: Path | None
) -> tuple[Component, ...]:
    """The declared components (or the one implied device); duplicate names are an input error."""
    if not rows:
        return (
            Component(name=product_name or "device", kind="device", declared_kind="device", implied=True),
        )
    out: list[Component] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        name = _text(row, "name")
        if name in seen:
            raise DeclarationError(
                f"{ref}: field 'components.{index}.name': component '{name}' is declared twice",
                diagnostics="give every component a name of its own",
            )
        seen.add(name)
        declared = _text(row, "kind")
        out.append(
            Component(
                name=name,
                kind=KIND_ALIASES.get(declared, declared),
                declared_kind=declared,
                description=_text(row, "description"),
                firmware=_resolve(_text(row, "firmware"), base),
                address=_text(row, "address"),
                ports=_text(row, "ports"),
                base_url=_text(row, "base_url"),
                package=_resolve(_text(row, "package"), base),
            )
        )
    return tuple(out)


def read_connections(
    rows: Sequence[Mapping[str, Any]], components: Sequence[Component], *, ref: str
) -> tuple[Connection, ...]:
    """The declared connections; a dangling name or a self-loop is an input error."""
    names = {c.name for c in components}
    out: list[Connection] = []
    for index, row in enumerate(rows):
        source, target = _text(row, "from"), _text(row, "to")
        for key, name in (("from", source), ("to", target)):
            if name not in names:
                known = ", ".join(sorted(names))
                raise DeclarationError(
                    f"{ref}: field 'connections.{index}.{key}': no component named '{name}'",
                    diagnostics=f"name one of the declared components ({known}) or declare it",
                )
        if source == target:
            raise DeclarationError(
                f"{ref}: field 'connections.{index}': '{source}' connects to itself",
                diagnostics="a connection joins two different components; remove it or fix 'to'",
            )
        port = row.get("port")
        out.append(
            Connection(
                source=source,
                target=target,
                protocol=_text(row, "protocol").lower(),
                port=port if isinstance(port, int) else None,
                transport=_text(row, "transport") or "tcp",
                protection=_text(row, "protection"),
                authentication=_text(row, "authentication"),
                data=tuple(str(d) for d in row.get("data") or ()),
                description=_text(row, "description"),
            )
        )
    return tuple(out)

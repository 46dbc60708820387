"""The device's interface registry: every way in is declared, with how it authenticates.

Why: a device's attack surface is its interfaces — network ports, cloud APIs, radios, and the
local ones assessors find with a screwdriver (UART console, JTAG/SWD, USB gadget). NIST IR 8425
IAC-2 and EN 303 645 provisions 5.6-1/5.6-2 ask that only documented, needed interfaces be
exposed and that unused ones be disabled. Here anything not declared is closed
(:meth:`InterfaceRegistry.is_allowed` answers ``False``), and the registry exports itself as the
``interfaces:`` list of the product declaration (``product.yaml``) that ``securable assess``
reads, so what the device enforces and what the manufacturer declares cannot drift apart.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

from securable.device.tls import ListenerProblem, unprotected_listeners
from securable.errors import UsageError

__all__ = ["AuthMethod", "Interface", "InterfaceKind", "InterfaceRegistry", "process_listening_sockets"]


class InterfaceKind(StrEnum):
    """Kinds of interface, as the product declaration names them."""

    NETWORK = "network"
    LOCAL = "local"
    PHYSICAL = "physical"
    RADIO = "radio"
    CLOUD_API = "cloud-api"


class AuthMethod(StrEnum):
    """How an interface authenticates whoever uses it (product declaration vocabulary)."""

    # These are names of methods, not secrets.

    NONE = "none"
    UNIQUE_PASSWORD = "unique-password"  # noqa: S105
    USER_SET_PASSWORD = "user-set-password"  # noqa: S105
    PASSWORD = "password"  # noqa: S105
    CERTIFICATE = "certificate"
    TOKEN = "token"  # noqa: S105
    KEY = "key"
    PAIRING = "pairing"
    OTHER = "other"


_E = TypeVar("_E", bound=StrEnum)

_PORTED = (InterfaceKind.NETWORK, InterfaceKind.CLOUD_API)


@dataclass(frozen=True)
class Interface:
    """One declared interface. ``enabled`` is its state now; ``enabled_by_default`` its factory state.

    An interface that needs no authentication must say so explicitly
    (``unauthenticated_ok=True`` with a ``purpose`` that explains why, e.g. a discovery beacon).
    """

    name: str
    kind: InterfaceKind
    auth: AuthMethod
    protocol: str = ""
    port: int | None = None
    enabled_by_default: bool = True
    purpose: str = ""
    unauthenticated_ok: bool = False
    enabled: bool | None = None

    def __post_init__(self) -> None:
        fix = f"fix the declaration of interface {self.name!r}"
        if not self.name.strip():
            raise UsageError("an interface needs a name", diagnostics="give every interface a non-empty name")
        object.__setattr__(self, "kind", _enum(InterfaceKind, self.kind, "kind", self.name))
        object.__setattr__(self, "auth", _enum(AuthMethod, self.auth, "auth", self.name))
        if self.port is not None and not (isinstance(self.port, int) and 1 <= self.port <= 65535):
            raise UsageError(f"interface {self.name!r}: port {self.port!r} is not 1-65535", diagnostics=fix)
        if self.port is not None and self.kind not in _PORTED:
            raise UsageError(
                f"interface {self.name!r}: only network and cloud-api interfaces have ports", diagnostics=fix
            )
        if self.auth is AuthMethod.NONE and not (self.unauthenticated_ok and self.purpose.strip()):
            raise UsageError(
                f"interface {self.name!r} declares no authentication",
                diagnostics="require authentication, or set unauthenticated_ok=True and a purpose saying why",
            )
        if self.enabled is None:
            object.__setattr__(self, "enabled", self.enabled_by_default)

    def declaration(self) -> dict[str, Any]:
        """This interface as one item of the product declaration's ``interfaces`` list."""
        item: dict[str, Any] = {"name": self.name, "kind": self.kind.value}
        if self.protocol:
            item["protocol"] = self.protocol
        if self.port is not None:
            item["port"] = self.port
        item["auth"] = self.auth.value
        item["enabled_by_default"] = self.enabled_by_default
        if self.purpose:
            item["purpose"] = self.purpose
        return item


def _enum(cls: type[_E], value: Any, field: str, name: str) -> _E:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise UsageError(
            f"interface {name!r}: {field} {value!r} is unknown", diagnostics=f"use one of: {allowed}"
        ) from None


class _Log(Protocol):
    def record(self, event: str, outcome: str, /, **details: Any) -> Any: ...


class InterfaceRegistry:
    """All interfaces of a device; undeclared means closed, disabled means closed."""

    def __init__(self, interfaces: Iterable[Interface] = (), *, log: _Log | None = None) -> None:
        self._items: dict[str, Interface] = {}
        self._log = log
        for interface in interfaces:
            self.declare(interface)

    def declare(self, interface: Interface) -> Interface:
        if interface.name in self._items:
            raise UsageError(
                f"interface {interface.name!r} is declared twice", diagnostics="give each interface one entry"
            )
        if interface.port is not None:
            for other in self._items.values():
                if other.port == interface.port and other.kind in _PORTED:
                    raise UsageError(
                        f"interfaces {other.name!r} and {interface.name!r} both use port {interface.port}",
                        diagnostics="one port belongs to one interface",
                    )
        self._items[interface.name] = interface
        return interface

    def __iter__(self) -> Iterator[Interface]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def get(self, name: str) -> Interface:
        try:
            return self._items[name]
        except KeyError:
            raise UsageError(
                f"no interface named {name!r}", diagnostics=f"declared: {', '.join(self._items) or 'none'}"
            ) from None

    def is_allowed(self, port: int) -> bool:
        """True only for a port of a declared, enabled network/cloud-api interface."""
        return any(i.port == port and i.enabled and i.kind in _PORTED for i in self._items.values())

    def is_enabled(self, name: str) -> bool:
        """True only for a declared, enabled interface (UART, USB, debug... included)."""
        item = self._items.get(name)
        return bool(item and item.enabled)

    def set_enabled(self, name: str, enabled: bool, *, principal: Any = None) -> Interface:
        """Enable or disable an interface; the change goes to the security log."""
        item = replace(self.get(name), enabled=enabled)
        self._items[name] = item
        if self._log is not None:
            self._log.record(
                "interface.change", "success", principal=principal, interface=name, enabled=enabled
            )
        return item

    def disable(self, name: str, *, principal: Any = None) -> Interface:
        return self.set_enabled(name, False, principal=principal)

    def enable(self, name: str, *, principal: Any = None) -> Interface:
        return self.set_enabled(name, True, principal=principal)

    def reset(self) -> None:
        """Factory reset: every interface back to its ``enabled_by_default`` state."""
        for name, item in list(self._items.items()):
            self._items[name] = replace(item, enabled=item.enabled_by_default)

    def undeclared_ports(self, open_ports: Iterable[int]) -> list[int]:
        """Ports found listening that the registry does not allow — drift, logged as a security event."""
        drift = sorted({p for p in open_ports if not self.is_allowed(p)})
        if drift and self._log is not None:
            self._log.record("interface.drift", "failure", ports=drift)
        return drift

    def unprotected_process_listeners(
        self, pid: int | str = "self", *, probe_tls: bool = False, timeout: float = 2.0
    ) -> list[ListenerProblem]:
        """The listening TCP sockets of process ``pid`` that are undeclared, disabled or (with
        ``probe_tls``) not TLS; any drift is also logged (see :meth:`undeclared_ports`).

        ``probe_tls`` opens a TLS handshake to each listener (on loopback for wildcard binds), so
        only use it when the listeners are being served, or the probe waits ``timeout`` and
        reports them as ``not-tls``.
        """
        found = process_listening_sockets(pid)
        self.undeclared_ports(port for _, port in found)
        if probe_tls:
            targets = [(_loopback_for(host), port) for host, port in found]
            problems = unprotected_listeners(targets, registry=self, timeout=timeout)
            by_port = {(_loopback_for(h), p): h for h, p in found}
            return [replace(p, host=by_port.get((p.host, p.port), p.host)) for p in problems]
        return [
            ListenerProblem(host, port, ("not-allowed",)) for host, port in found if not self.is_allowed(port)
        ]

    def export_declaration(self) -> list[dict[str, Any]]:
        """The ``interfaces:`` list of ``product.yaml`` (schema ``securable/product/v1``)."""
        return [i.declaration() for i in self._items.values()]

    @classmethod
    def from_declaration(
        cls, items: Iterable[Mapping[str, Any]], *, log: _Log | None = None
    ) -> InterfaceRegistry:
        """Rebuild a registry from a declaration's ``interfaces`` list (interfaces with auth
        ``none`` are accepted here: the declaration already says so in writing)."""
        registry = cls(log=log)
        for raw in items:
            registry.declare(
                Interface(
                    name=str(raw.get("name", "")),
                    kind=raw.get("kind"),  # type: ignore[arg-type]  # validated by Interface
                    auth=raw.get("auth", AuthMethod.OTHER.value),
                    protocol=str(raw.get("protocol", "")),
                    port=raw.get("port"),
                    enabled_by_default=bool(raw.get("enabled_by_default", True)),
                    purpose=str(raw.get("purpose", "")) or "declared",
                    unauthenticated_ok=True,
                )
            )
        return registry


# --- the listening sockets of a process (Linux /proc) ----------------------------------------------

_TCP_LISTEN = "0A"


def _decode_address(hex_address: str) -> tuple[str, int]:
    """``/proc/net/tcp{,6}`` addresses: host as 32-bit words in host byte order, port big-endian."""
    host_hex, port_hex = hex_address.split(":")
    raw = bytes.fromhex(host_hex)
    words = struct.unpack(f"={len(raw) // 4}I", raw)
    packed = struct.pack(f">{len(words)}I", *words)
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed), int(port_hex, 16)


def _loopback_for(host: str) -> str:
    if host == "0.0.0.0":  # noqa: S104 - recognising a wildcard bind, not binding one
        return "127.0.0.1"
    return "::1" if host == "::" else host


def process_listening_sockets(pid: int | str = "self") -> list[tuple[str, int]]:
    """``(host, port)`` of every listening TCP socket that process ``pid`` holds open (Linux).

    Why not a port scan: the table in ``/proc/<pid>/net`` lists the whole network namespace;
    matching its socket inodes against the process's own file descriptors finds exactly the
    sockets this process listens on, including ones bound to addresses a scan from loopback
    would miss.
    """
    proc = Path("/proc") / str(pid)
    try:
        inodes = set()
        for fd in (proc / "fd").iterdir():
            try:
                target = str(fd.readlink())
            except OSError:
                continue  # closed meanwhile
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError as exc:
        raise UsageError(
            f"cannot list the open files of process {pid}: {exc}",
            diagnostics="run on Linux with /proc mounted, as the process's user or root",
        ) from exc
    found: set[tuple[str, int]] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue  # no IPv6 on this kernel
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == _TCP_LISTEN and fields[9] in inodes:
                found.add(_decode_address(fields[1]))
    return sorted(found, key=lambda hp: (hp[1], hp[0]))

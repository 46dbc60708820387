"""Address policy: which hosts may be assessed, and where the probes leave from.

Any unicast IPv4 or IPv6 address, or a host name that resolves to one, can be assessed: a device
maker's bench network, a lab's test LAN, the demo on loopback. Addresses that name no single
device are refused, because probing them would reach many machines or none: broadcast
(255.255.255.255 and the broadcast address of a subnet given as ``a.b.c.255/24``), multicast,
unspecified (0.0.0.0, ::) and network addresses (a prefix such as ``10.0.0.0/24``).

:func:`resolve_host` turns what the user typed into one address; :func:`probe_origin` finds the
local address and interface the kernel would send from, so the report can say where the probes
came from. Neither sends a packet.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import shutil
import socket
import subprocess
from dataclasses import dataclass

from securable.errors import TargetError, UsageError

__all__ = [
    "HostAddressError",
    "ProbeOrigin",
    "ResolvedHost",
    "probe_origin",
    "resolve_host",
]


class HostAddressError(TargetError, UsageError):
    """The host cannot be assessed: unresolvable, or not one device's address (exit 2)."""


@dataclass(frozen=True)
class ResolvedHost:
    """The address probed, and the name it came from (None when an address was given)."""

    address: str
    name: str | None = None

    @property
    def family(self) -> int:
        return socket.AF_INET6 if ":" in self.address else socket.AF_INET

    def describe(self) -> str:
        return self.address if self.name is None else f"{self.address} (host name {self.name!r})"


@dataclass(frozen=True)
class ProbeOrigin:
    """Where probes to one address leave from: local address and interface (None when unknown)."""

    source: str | None
    interface: str | None

    def describe(self) -> str:
        if self.source is None:
            return "no route to the host"
        return self.source if self.interface is None else f"{self.source} on interface {self.interface}"


_FIX = "give the address of one device, e.g. --host 192.168.1.20, --host fe80::1%eth0 or --host device.local"


def _refuse(text: str, why: str) -> HostAddressError:
    return HostAddressError(f"--host {text!r}: {why}", diagnostics=_FIX)


def _check_ip(text: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if ip.is_unspecified:
        raise _refuse(text, "is the unspecified address, not a device")
    if ip.is_multicast:
        raise _refuse(text, "is a multicast address; it reaches a group of devices, not one")
    if isinstance(ip, ipaddress.IPv4Address) and ip == ipaddress.IPv4Address("255.255.255.255"):
        raise _refuse(text, "is the broadcast address; it reaches every device on the link")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        _check_ip(text, ip.ipv4_mapped)


def _parse_literal(text: str) -> str | None:
    """The normalised address when ``text`` is an IP literal (with or without brackets or a
    ``%zone``), else None. Prefix notation is checked here: a whole network is refused, and a
    host address inside a prefix is refused when it is that prefix's network or broadcast address."""
    bare = text.strip()
    if bare.startswith("[") and "]" in bare:
        bare = bare[1 : bare.index("]")]
    if "/" in bare:
        try:
            iface = ipaddress.ip_interface(bare)
        except ValueError:
            raise _refuse(text, "is neither an address nor a host name") from None
        net = iface.network
        if net.num_addresses > 2:
            if iface.ip == net.network_address:
                raise _refuse(text, f"is the network address of {net}, not a device")
            if isinstance(net, ipaddress.IPv4Network) and iface.ip == net.broadcast_address:
                raise _refuse(text, f"is the broadcast address of {net}; it reaches every device on it")
        _check_ip(text, iface.ip)
        return str(iface.ip)
    zone = ""
    if "%" in bare:
        bare, zone = bare.split("%", 1)
        zone = "%" + zone
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return None
    _check_ip(text, ip)
    return str(ip) + zone


def resolve_host(text: str) -> ResolvedHost:
    """The one address ``text`` names, or :class:`HostAddressError` (exit 2) saying why not.

    A host name is resolved with the system resolver (``getaddrinfo``); the first address it gives
    is probed, and the name is kept for the report. ``localhost`` resolves like any other name.
    """
    given = text.strip()
    if not given:
        raise _refuse(text, "is empty")
    literal = _parse_literal(given)
    if literal is not None:
        return ResolvedHost(literal)
    if any(c.isspace() for c in given) or len(given) > 253:
        raise _refuse(text, "is neither an address nor a host name")
    try:
        infos = socket.getaddrinfo(given, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostAddressError(
            f"--host {text!r}: the name does not resolve ({getattr(exc, 'strerror', None) or exc})",
            diagnostics="check the spelling and the DNS or /etc/hosts entry, or give the device's address",
        ) from None
    for info in infos:
        address = str(info[4][0])
        if _parse_literal(address) is not None:
            return ResolvedHost(address, name=given)
    raise _refuse(text, "resolves to no device address")


def probe_origin(address: str) -> ProbeOrigin:
    """The local address the kernel picks for ``address`` and, where ``ip`` is installed, the
    outgoing interface. A UDP ``connect`` only asks the routing table; nothing is sent."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    source: str | None = None
    with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((address, 9))
        source = str(sock.getsockname()[0])
    return ProbeOrigin(source, route_interface(address) if source is not None else None)


def route_interface(address: str) -> str | None:
    """The interface ``ip route get`` names for ``address`` (None without iproute2 or a route)."""
    exe = shutil.which("ip")
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, "-j", "route", "get", address.split("%", 1)[0]],
            capture_output=True,
            timeout=5,
            check=False,
        )
        routes = json.loads(proc.stdout or b"[]")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if isinstance(routes, list) and routes and isinstance(routes[0], dict):
        dev = routes[0].get("dev")
        return str(dev) if dev else None
    return None

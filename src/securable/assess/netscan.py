"""TCP connect sweep of one host, with asyncio.

Why our own sweep and not nmap: a connect scan needs no privileges, no extra package and no
parsing of another tool's output, and on loopback it is as fast as ``nmap -sT``. nmap (GPL) is
only ever run as an optional subprocess (:func:`nmap_open_ports`) where it is installed, for
comparison.

The sweep is polite: at most ``limit`` connections to the host are in flight at once, each
attempt has its own ``timeout``, and a connection is closed as soon as it is established —
nothing is sent.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET  # parses nmap's XML from our own subprocess only
from collections.abc import Iterable
from dataclasses import dataclass

from securable.errors import UsageError

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_HOST_LIMIT",
    "PortState",
    "SweepResult",
    "nmap_open_ports",
    "parse_ports",
    "sweep",
    "sweep_async",
]

DEFAULT_HOST_LIMIT = 256
"""Connections in flight to one host at a time; small embedded stacks fall over above a few hundred."""

DEFAULT_CONNECT_TIMEOUT = 1.0
"""Seconds per connection attempt. Loopback answers in microseconds; a filtered port never answers."""


@dataclass(frozen=True)
class PortState:
    port: int
    state: str  # "open" | "closed" | "filtered" (no answer within the timeout)


@dataclass(frozen=True)
class SweepResult:
    host: str
    ports: tuple[PortState, ...]

    @property
    def open_ports(self) -> list[int]:
        return sorted(p.port for p in self.ports if p.state == "open")


def parse_ports(spec: str | Iterable[int]) -> list[int]:
    """``"22,80,8000-8100"`` (or an iterable of ints) → sorted unique port numbers.

    Raises :class:`UsageError` naming the bad part, so the CLI can exit 2 with the fix.
    """
    if not isinstance(spec, str):
        ports = set()
        for p in spec:
            _check_port(int(p), str(p))
            ports.add(int(p))
        return sorted(ports)
    out: set[int] = set()
    for part in (s.strip() for s in spec.split(",")):
        if not part:
            continue
        lo_s, sep, hi_s = part.partition("-")
        try:
            lo = int(lo_s)
            hi = int(hi_s) if sep else lo
        except ValueError:
            raise UsageError(
                f"bad port list part {part!r}",
                diagnostics="give ports as numbers and ranges, e.g. --ports 22,80,8000-8100",
            ) from None
        _check_port(lo, part)
        _check_port(hi, part)
        if hi < lo:
            raise UsageError(f"bad port range {part!r}", diagnostics="write ranges low-high, e.g. 8000-8100")
        out.update(range(lo, hi + 1))
    if not out:
        raise UsageError("empty port list", diagnostics="give at least one port, e.g. --ports 22,443")
    return sorted(out)


def _check_port(port: int, text: str) -> None:
    if not 1 <= port <= 65535:
        raise UsageError(f"port {text!r} is out of range", diagnostics="ports are numbers from 1 to 65535")


async def _probe_one(host: str, port: int, timeout: float, gate: asyncio.Semaphore) -> PortState:
    # A bare non-blocking socket and loop.sock_connect: no stream objects for a connection that
    # is closed at once, which halves the cost per port against asyncio.open_connection.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    loop = asyncio.get_running_loop()
    async with gate:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            async with asyncio.timeout(timeout):  # cheaper than wait_for: no extra task
                await loop.sock_connect(sock, (host, port))
        except TimeoutError:
            return PortState(port, "filtered")
        except OSError:
            return PortState(port, "closed")
        finally:
            sock.close()
        return PortState(port, "open")


async def sweep_async(
    host: str,
    ports: Iterable[int],
    *,
    limit: int = DEFAULT_HOST_LIMIT,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> SweepResult:
    """Connect to every port of ``host`` with at most ``limit`` attempts in flight."""
    if limit < 1:
        raise UsageError(f"connection limit {limit} is below 1", diagnostics="use a limit of 1 or more")
    gate = asyncio.Semaphore(limit)
    states = await asyncio.gather(*(_probe_one(host, p, timeout, gate) for p in sorted(set(ports))))
    return SweepResult(host, tuple(states))


def sweep(
    host: str,
    ports: Iterable[int],
    *,
    limit: int = DEFAULT_HOST_LIMIT,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> SweepResult:
    """Blocking wrapper of :func:`sweep_async` for synchronous callers (checks, the CLI)."""
    return asyncio.run(sweep_async(host, ports, limit=limit, timeout=timeout))


def nmap_open_ports(host: str, ports: Iterable[int], *, timeout: float = 120.0) -> list[int] | None:
    """Open ports by ``nmap -sT`` over exactly ``ports``, or None when nmap is not installed.

    Optional integration for comparison only (nmap is GPL: run as a program, never imported).
    """
    exe = shutil.which("nmap")
    if exe is None:
        return None
    plist = ",".join(str(p) for p in sorted(set(ports)))
    proc = subprocess.run(
        [exe, "-sT", "-n", "-Pn", "-T4", "-p", plist, "-oX", "-", host],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        return None
    root = ET.fromstring(proc.stdout)  # noqa: S314 - output of our own nmap subprocess
    found: list[int] = []
    for port in root.iter("port"):
        state = port.find("state")
        if state is not None and state.get("state") == "open":
            found.append(int(port.get("portid", "0")))
    return sorted(found)

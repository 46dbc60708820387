"""Port sweeps of one host: TCP connect (nothing sent) and UDP with a protocol-shaped probe.

Why our own sweep and not nmap: a connect scan needs no privileges, no extra package and no
parsing of another tool's output, and it is as fast as ``nmap -sT`` (``benchmarks/bench_lan_sweep``
compares the two on a virtual LAN in the same run). nmap (GPL) is only ever run as an optional
subprocess (:func:`nmap_open_ports`) where it is installed, for comparison.

The sweeps are polite, so a small device is not flooded: at most ``limit`` connections (or UDP
probes) are in flight at once, no more than ``rate`` are started per second, each attempt has its
own ``timeout``, and a TCP connection is closed as soon as it is established. A host that answers
nothing at all is given up on after ``silence`` attempts (the usual IoT ports go first), so an
unreachable address costs seconds, not the whole port range times the timeout.

UDP verdicts are honest (the nmap vocabulary): ``open`` when the port answered, ``closed`` only on
an ICMP port unreachable (a connected UDP socket reports it as ``ECONNREFUSED``), and
``open|filtered`` when nothing came back — a UDP service that ignores an unexpected datagram and a
firewall that drops it look the same.
"""

from __future__ import annotations

import _socket
import asyncio
import collections
import errno
import select
import shutil
import socket
import struct
import subprocess
import time
import xml.etree.ElementTree as ET  # parses nmap's XML from our own subprocess only
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from securable.errors import UsageError

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_HOST_LIMIT",
    "DEFAULT_RATE",
    "DEFAULT_SILENCE",
    "DEFAULT_UDP_PORTS",
    "FULL_TCP",
    "PortSpec",
    "PortState",
    "SweepResult",
    "UdpState",
    "check_bounds",
    "nmap_open_ports",
    "parse_port_spec",
    "parse_ports",
    "sweep",
    "sweep_async",
    "udp_payload",
    "udp_sweep",
]

DEFAULT_HOST_LIMIT = 256
"""Connections in flight to one host at a time; small embedded stacks fall over above a few hundred."""

DEFAULT_RATE = 200000.0
"""Connection attempts started per second. What protects a small device is :data:`DEFAULT_HOST_LIMIT`
(half-open connections it must hold at once); this cap keeps the sweep's SYNs from filling a
link while a full sweep stays as fast as ``nmap -sT -T4`` (which has no cap). Lower it with
``--max-rate`` for a fragile device."""

DEFAULT_CONNECT_TIMEOUT = 1.0
"""Seconds per connection attempt. A LAN answers in milliseconds; a filtered port never answers."""

DEFAULT_SILENCE = 1024
"""Attempts without a single answer (no connection, no reset) after which a host is given up on."""

FULL_TCP: tuple[int, ...] = tuple(range(1, 65536))

DEFAULT_UDP_PORTS: tuple[int, ...] = (53, 69, 123, 161, 1900, 5353, 5683, 5684)
"""UDP ports probed by default: DNS, TFTP, NTP, SNMP, SSDP/UPnP, mDNS, CoAP and CoAP over DTLS."""


class PortState(NamedTuple):
    """One port's state. A named tuple, not a dataclass: a full sweep makes 65535 of them."""

    port: int
    state: str  # "open" | "closed" | "filtered" (no answer) | "unreachable" (ICMP) | "not-probed"


@dataclass(frozen=True)
class SweepResult:
    host: str
    ports: tuple[PortState, ...]
    gave_up: bool = False  # the host answered nothing, and the rest were not probed

    @property
    def open_ports(self) -> list[int]:
        return sorted(p.port for p in self.ports if p.state == "open")

    def count(self, state: str) -> int:
        return sum(1 for p in self.ports if p.state == state)

    @property
    def answered(self) -> bool:
        """Did the host answer at all (a connection or a reset on any port)?"""
        return any(p.state in ("open", "closed") for p in self.ports)


@dataclass(frozen=True)
class PortSpec:
    """The ports to assess: TCP and UDP. ``str()`` gives the ``--ports`` syntax back."""

    tcp: tuple[int, ...] = FULL_TCP
    udp: tuple[int, ...] = DEFAULT_UDP_PORTS

    def __str__(self) -> str:
        parts = []
        if self.tcp:
            parts.append("tcp:" + _ranges(self.tcp))
        if self.udp:
            parts.append("udp:" + _ranges(self.udp))
        return ",".join(parts)


def _ranges(ports: Sequence[int]) -> str:
    out: list[str] = []
    run_start = prev = None
    for p in sorted(ports):
        if prev is not None and p == prev + 1:
            prev = p
            continue
        if run_start is not None:
            out.append(str(run_start) if run_start == prev else f"{run_start}-{prev}")
        run_start = prev = p
    if run_start is not None:
        out.append(str(run_start) if run_start == prev else f"{run_start}-{prev}")
    return ",".join(out)


_SPEC_FIX = "write e.g. --ports tcp:1-65535,udp:161,1900,5353,5683 (bare numbers are TCP)"


def parse_port_spec(text: str) -> PortSpec:
    """``"tcp:1-1024,8443,udp:161,5683"`` → :class:`PortSpec`.

    A comma list of numbers and ranges; ``tcp:`` or ``udp:`` before an entry switches the
    protocol for it and every entry after it, and bare entries before any prefix are TCP. A
    protocol not named at all is not probed (``--ports udp:161`` probes no TCP port).
    """
    chosen: dict[str, set[int]] = {"tcp": set(), "udp": set()}
    proto = "tcp"
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        prefix, colon, rest = part.partition(":")
        if colon:
            proto = prefix.strip().lower()
            if proto not in chosen:
                raise UsageError(f"--ports: {prefix!r} in {part!r} is not tcp or udp", diagnostics=_SPEC_FIX)
            part = rest.strip()
        chosen[proto].update(_one_part(part, raw.strip()))
    if not chosen["tcp"] and not chosen["udp"]:
        raise UsageError(f"--ports: {text!r} names no port", diagnostics=_SPEC_FIX)
    return PortSpec(tuple(sorted(chosen["tcp"])), tuple(sorted(chosen["udp"])))


def _number(text: str, shown: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"--ports: {shown!r} is not a port or a range", diagnostics=_SPEC_FIX) from None
    if value > 65535:
        raise UsageError(
            f"--ports: {shown!r} goes above 65535, the highest port",
            diagnostics="ports are 1-65535; all of them: --ports tcp:1-65535",
        )
    if value < 1:
        raise UsageError(
            f"--ports: {shown!r} includes {value}, but ports start at 1",
            diagnostics="ports are 1-65535; all of them: --ports tcp:1-65535",
        )
    return value


def _one_part(part: str, shown: str) -> range:
    lo_s, sep, hi_s = part.partition("-")
    lo = _number(lo_s.strip(), shown)
    hi = _number(hi_s.strip(), shown) if sep else lo
    if hi < lo:
        raise UsageError(
            f"--ports: {shown!r} is a reversed range", diagnostics=f"write the lower port first: {hi}-{lo}"
        )
    return range(lo, hi + 1)


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


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _sockaddr(host: str, port: int) -> tuple[object, ...]:
    # getaddrinfo once per host would be cheaper, but literal addresses need no lookup at all,
    # and a scope id ("fe80::1%eth0") must go through it to become a number.
    if "%" in host:
        return socket.getaddrinfo(host, port, _family(host), socket.SOCK_STREAM)[0][4]
    return (host, port)


_REFUSED = {errno.ECONNREFUSED, errno.ECONNRESET}
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN, errno.EACCES}


_STATES = {0: "open"} | dict.fromkeys(_REFUSED, "closed") | dict.fromkeys(_UNREACHABLE, "unreachable")


def _state_of(err: int) -> str:
    return _STATES.get(err, "filtered")


def check_bounds(limit: int, rate: float | None, timeout: float) -> None:
    if limit < 1:
        raise UsageError(f"connection limit {limit} is below 1", diagnostics="use a limit of 1 or more")
    if rate is not None and rate <= 0:
        raise UsageError(f"connection rate {rate} is not positive", diagnostics="give attempts per second")
    if timeout <= 0:
        raise UsageError(f"timeout {timeout} is not positive", diagnostics="give seconds, e.g. 1.0")


def sweep(
    host: str,
    ports: Iterable[int],
    *,
    limit: int = DEFAULT_HOST_LIMIT,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
    rate: float | None = DEFAULT_RATE,
    silence: int | None = DEFAULT_SILENCE,
    first: Iterable[int] = (),
) -> SweepResult:
    """Connect to every port of ``host`` — at most ``limit`` attempts in flight, ``rate`` started
    per second — and report each port's state.

    Non-blocking sockets on one epoll: no task, future or stream object per port, which is what
    lets a Python sweep keep up with nmap over 65535 ports. ``first`` are probed before the rest
    (the usual service ports), and after ``silence`` attempts without any answer the host is
    given up on: the ports left are reported ``not-probed`` and ``gave_up`` is set.
    """
    check_bounds(limit, rate, timeout)
    wanted = sorted(set(ports))
    wanted_set = set(wanted)
    lead = [p for p in dict.fromkeys(first) if p in wanted_set]
    lead_set = set(lead)
    order = lead + [p for p in wanted if p not in lead_set]
    family = _family(host)
    kind = socket.SOCK_STREAM | socket.SOCK_NONBLOCK
    scoped = "%" in host
    states: dict[int, str] = {}
    inflight: dict[int, tuple[_socket.socket, int]] = {}
    expiry: collections.deque[tuple[float, int, tuple[_socket.socket, int]]] = collections.deque()
    poller = select.epoll()
    interval = 0.0 if rate is None else 1.0 / rate
    clock = time.monotonic
    next_start = clock()
    index, total = 0, len(order)
    answered = False
    gave_up = False
    in_progress, aborted = errno.EINPROGRESS, errno.ECONNABORTED
    watch = select.EPOLLOUT | select.EPOLLERR
    trouble = select.EPOLLERR | select.EPOLLHUP
    sol, so_error = socket.SOL_SOCKET, socket.SO_ERROR

    def finish(fd: int, state: str) -> None:
        nonlocal answered
        sock, port = inflight.pop(fd)
        sock.close()  # closing the descriptor also takes it out of the epoll set: no epoll_ctl
        states[port] = state
        if state == "open" or state == "closed":
            answered = True

    def may_start(now: float) -> bool:
        nonlocal gave_up
        if index >= total or now < next_start:
            return False
        if silence is not None and not answered and len(states) >= silence:
            gave_up = True
            return False
        return True

    try:
        while index < total or inflight:
            now = clock()
            # The C socket type: the Python wrapper's __init__ costs more than the connect.
            while len(inflight) < limit and may_start(now):
                port = order[index]
                index += 1
                if interval:
                    next_start = max(next_start + interval, now - 0.01)
                sock = _socket.socket(family, kind)
                err = sock.connect_ex(_sockaddr(host, port) if scoped else (host, port))
                if err == in_progress:
                    fd = sock.fileno()
                    entry = (sock, port)
                    inflight[fd] = entry
                    poller.register(fd, watch)
                    expiry.append((now + timeout, fd, entry))
                else:
                    sock.close()
                    state = _STATES.get(err, "filtered")
                    states[port] = state
                    if state == "open" or state == "closed":
                        answered = True
            if gave_up:
                break
            wait = expiry[0][0] - now if expiry else 0.0
            if index < total and len(inflight) < limit:
                wait = min(wait, next_start - now) if expiry else next_start - now
            for fd, event in poller.poll(max(0.0, wait), 1024):
                current = inflight.get(fd)
                if current is None:
                    continue
                sock, port = current
                # Writable without an error: connected. Otherwise ask why (refused or unreachable).
                err = sock.getsockopt(sol, so_error) if event & trouble else 0
                state = _STATES.get(err, "filtered")
                if state != "closed" or not may_start(now):
                    finish(fd, state)
                    continue
                # Refused: the socket is back in the CLOSE state, and Linux lets it connect again
                # (the first connect() only reports the old attempt's end, ECONNABORTED, and
                # resets the socket). Reusing it for the next port saves a socket(), a close()
                # and an epoll_ctl() per closed port, which is most of a full sweep.
                states[port] = state
                answered = True
                port = order[index]
                index += 1
                if interval:
                    next_start = max(next_start + interval, now - 0.01)
                target = _sockaddr(host, port) if scoped else (host, port)
                err = sock.connect_ex(target)
                if err == aborted:
                    err = sock.connect_ex(target)
                entry = (sock, port)
                inflight[fd] = entry
                if err == in_progress:
                    expiry.append((now + timeout, fd, entry))
                else:
                    finish(fd, _STATES.get(err, "filtered"))
            now = clock()
            while expiry:
                deadline, fd, entry = expiry[0]
                if inflight.get(fd) is not entry:
                    expiry.popleft()  # finished already (its descriptor may be reused since)
                elif deadline <= now:
                    expiry.popleft()
                    finish(fd, "filtered")
                else:
                    break
    finally:
        for fd in list(inflight):
            finish(fd, "filtered")
        poller.close()
    result = tuple(PortState(p, states.get(p, "not-probed")) for p in wanted)
    return SweepResult(host, result, gave_up=gave_up)


async def sweep_async(
    host: str,
    ports: Iterable[int],
    *,
    limit: int = DEFAULT_HOST_LIMIT,
    timeout: float = DEFAULT_CONNECT_TIMEOUT,
    rate: float | None = DEFAULT_RATE,
) -> SweepResult:
    """:func:`sweep` for asyncio callers: the blocking sweep runs on a worker thread."""
    check_bounds(limit, rate, timeout)
    return await asyncio.to_thread(sweep, host, list(ports), limit=limit, timeout=timeout, rate=rate)


# --- UDP ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UdpState:
    port: int
    state: str  # "open" | "open|filtered" | "closed" | "unreachable" (ICMP host or network unreachable)
    reply: bytes = field(default=b"", repr=False)  # the first datagram the port sent back


def _ber_len(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82]) + n.to_bytes(2, "big")


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _ber_len(len(value)) + value


def _int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def snmp_v3_discovery(msg_id: int = 0x5EC) -> bytes:
    """An SNMPv3 engine-discovery request (RFC 3414 §4): no user, no community, no secret.
    Every agent that speaks SNMPv3 answers with a Report; v1/v2c-only agents stay silent."""
    header = _tlv(0x30, _int(msg_id) + _int(65507) + _tlv(0x04, b"\x04") + _int(3))
    usm = _tlv(0x04, _tlv(0x30, _tlv(0x04, b"") + _int(0) + _int(0) + b"\x04\x00" * 3))
    pdu = _tlv(0xA0, _int(msg_id) + _int(0) + _int(0) + _tlv(0x30, b""))
    scoped = _tlv(0x30, _tlv(0x04, b"") + _tlv(0x04, b"") + pdu)
    return _tlv(0x30, _int(3) + header + usm + scoped)


def ssdp_msearch(host: str, port: int = 1900, target: str = "ssdp:all") -> bytes:
    """A unicast M-SEARCH (UPnP Device Architecture 1.1 §1.3.2): sent to the device itself,
    never to the multicast group, so discovery stays between the assessor and the device."""
    where = f"[{host.split('%', 1)[0]}]" if ":" in host else host
    return (
        f'M-SEARCH * HTTP/1.1\r\nHOST: {where}:{port}\r\nMAN: "ssdp:discover"\r\nST: {target}\r\n'
        "USER-AGENT: securable/1 UPnP/1.1 securable/1\r\n\r\n"
    ).encode()


def dns_query(name: str, qtype: int, *, qclass: int = 1, msg_id: int = 0) -> bytes:
    """One DNS question (RFC 1035 §4.1), e.g. the DNS-SD service enumeration PTR query."""
    labels = b"".join(bytes([len(x)]) + x.encode() for x in name.strip(".").split(".") if x) + b"\x00"
    return struct.pack("!HHHHHH", msg_id, 0, 1, 0, 0, 0) + labels + struct.pack("!HH", qtype, qclass)


COAP_WELL_KNOWN_CORE = bytes([0x40, 0x01, 0x5E, 0xC0, 0xBB]) + b".well-known" + b"\x04core"
"""A confirmable CoAP GET of ``/.well-known/core`` (RFC 7252 §3, RFC 6690 §4)."""


def udp_payload(host: str, port: int) -> bytes:
    """The datagram that makes the usual service on ``port`` answer (empty for unknown ports).
    No payload carries a credential: an SNMP community guess is a login attempt, made by the
    SNMP check within its budget, never by the sweep."""
    if port == 161:
        return snmp_v3_discovery()
    if port == 1900:
        return ssdp_msearch(host, port)
    if port == 5353:
        return dns_query("_services._dns-sd._udp.local", 12)
    if port == 5683:
        return COAP_WELL_KNOWN_CORE
    if port == 53:
        return dns_query("version.bind", 16, qclass=3, msg_id=0x5EC)
    if port == 123:
        return b"\x1b" + b"\x00" * 47  # NTPv3 client request
    if port == 69:
        return b"\x00\x01securable-probe\x00octet\x00"  # TFTP read of a file that does not exist
    return b""


def udp_sweep(
    host: str,
    ports: Iterable[int],
    *,
    timeout: float = 1.0,
    tries: int = 3,
    limit: int = DEFAULT_HOST_LIMIT,
    payloads: Mapping[int, bytes] | None = None,
) -> list[UdpState]:
    """Probe each UDP port with its :func:`udp_payload` on a connected socket, ``tries`` times
    spread over ``timeout`` seconds (datagrams and ICMP errors get lost, and hosts rate-limit
    their ICMP port-unreachable messages)."""
    check_bounds(limit, None, timeout)
    wanted = sorted(set(ports))
    family = _family(host)
    states: dict[int, UdpState] = {}
    for start in range(0, len(wanted), limit):
        batch = wanted[start : start + limit]
        socks: dict[int, tuple[socket.socket, int, bytes]] = {}
        poller = select.epoll()
        try:
            for port in batch:
                sock = socket.socket(family, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK)
                try:
                    sock.connect(_sockaddr(host, port))
                except OSError as exc:
                    sock.close()
                    refused = exc.errno in _REFUSED
                    states[port] = UdpState(port, "closed" if refused else "unreachable")
                    continue
                data = (payloads or {}).get(port, udp_payload(host, port))
                socks[sock.fileno()] = (sock, port, data)
                poller.register(sock.fileno(), select.EPOLLIN | select.EPOLLERR)
            deadline = time.monotonic() + timeout
            gap = timeout / max(1, tries)
            sent = 0
            next_send = time.monotonic()
            while socks and time.monotonic() < deadline:
                if sent < tries and time.monotonic() >= next_send:
                    for fd, (sock, port, data) in list(socks.items()):
                        try:
                            sock.send(data)
                        except OSError as exc:
                            _udp_done(states, socks, poller, fd, port, exc.errno)
                    sent += 1
                    next_send += gap
                wait = min(deadline, next_send if sent < tries else deadline) - time.monotonic()
                for fd, _ev in poller.poll(max(0.0, wait)):
                    if fd not in socks:
                        continue
                    sock, port, _ = socks[fd]
                    try:
                        reply = sock.recv(65535)
                    except BlockingIOError:
                        continue
                    except OSError as exc:
                        _udp_done(states, socks, poller, fd, port, exc.errno)
                        continue
                    states[port] = UdpState(port, "open", reply)
                    poller.unregister(fd)
                    socks.pop(fd)[0].close()
        finally:
            for sock, port, _ in socks.values():
                states.setdefault(port, UdpState(port, "open|filtered"))
                sock.close()
            poller.close()
    return [states[p] for p in wanted]


def _udp_done(
    states: dict[int, UdpState],
    socks: dict[int, tuple[socket.socket, int, bytes]],
    poller: select.epoll,
    fd: int,
    port: int,
    err: int | None,
) -> None:
    state = "closed" if err in _REFUSED else "unreachable" if err in _UNREACHABLE else "open|filtered"
    states[port] = UdpState(port, state)
    poller.unregister(fd)
    socks.pop(fd)[0].close()


def nmap_open_ports(host: str, ports: Iterable[int], *, timeout: float = 120.0) -> list[int] | None:
    """Open ports by ``nmap -sT`` over exactly ``ports``, or None when nmap is not installed.

    Optional integration for comparison only (nmap is GPL: run as a program, never imported).
    """
    exe = shutil.which("nmap")
    if exe is None:
        return None
    plist = _ranges(sorted(set(ports)))
    family = ["-6"] if ":" in host else []
    proc = subprocess.run(
        [exe, *family, "-sT", "-n", "-Pn", "-T4", "-p", plist, "-oX", "-", host],
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

"""A virtual LAN on this machine: Linux network namespaces joined by veth pairs to one bridge.

What the tests, the demo and the benchmarks use to put a device (or any peer: sshd, mosquitto,
snmpd, a CoAP server) on a network of its own and assess it from the root namespace, the way a
lab assesses a device on its bench network — without sending a packet anywhere else.

* Addresses come only from the benchmarking ranges (RFC 2544 198.18.0.0/15 and RFC 5180
  2001:2::/48): one /24 and one /64 per LAN, chosen so they overlap no route of this machine.
* The root namespace owns the bridge and its first address (``lan.gateway_v4`` /
  ``lan.gateway_v6``); each host is a namespace with one ``eth0`` on the bridge.
* Multicast sent inside a host goes out of its ``eth0`` onto the bridge and nowhere else: the
  bridge forwards nothing off the machine, and no multicast route leads away from it.
* :meth:`VirtualLan.close` (also on leaving the ``with`` block, and when a test fails) stops
  every process started through :meth:`LanHost.spawn` by its PID, then every process still in
  the LAN's namespaces, then deletes the namespaces and the bridge.

Small API::

    reason = unavailable_reason()          # None where namespaces can be made (root, iproute2)
    with VirtualLan() as lan:
        dev = lan.add_host("device")       # namespace + veth + 198.18.x.2 / 2001:2:0:x::2
        proc = dev.spawn(["sshd", "-D", "-f", conf])
        lan.check_route(dev.ipv4)          # raises unless the route goes over the LAN's bridge
        ...                                # probe dev.ipv4 / dev.ipv6 from this process

Needs root (``CAP_NET_ADMIN``) and ``ip`` from iproute2. Nothing here imports the rest of
securable, so the device, assess and demo halves, and the tests, may all use it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

__all__ = [
    "IPV4_RANGE",
    "IPV6_RANGE",
    "LanError",
    "LanHost",
    "VirtualLan",
    "unavailable_reason",
]

IPV4_RANGE = ipaddress.IPv4Network("198.18.0.0/15")
IPV6_RANGE = ipaddress.IPv6Network("2001:2::/48")


class LanError(RuntimeError):
    """A virtual LAN could not be made or used; the message says which step failed."""


def _ip(*args: str, netns: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ip")
    if exe is None:
        raise LanError("iproute2's 'ip' program is not installed")
    argv = [exe, *(("-n", netns) if netns else ()), *args]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    if check and proc.returncode != 0:
        raise LanError(f"'{' '.join(argv[1:])}' failed: {proc.stderr.strip() or proc.returncode}")
    return proc


def unavailable_reason() -> str | None:
    """None where a virtual LAN can be made here; otherwise one line saying why not."""
    if shutil.which("ip") is None:
        return "iproute2's 'ip' program is not installed"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "network namespaces need root (CAP_NET_ADMIN); running as an ordinary user"
    name = f"slprobe{secrets.token_hex(3)}"
    try:
        proc = _ip("netns", "add", name, check=False)
    except (LanError, OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run 'ip netns add': {exc}"
    if proc.returncode != 0:
        return f"'ip netns add' is refused here: {proc.stderr.strip()}"
    _ip("netns", "del", name, check=False)
    return None


def route_device(address: str) -> str | None:
    """The interface the root namespace's routing table sends ``address`` out of."""
    proc = _ip("-j", "route", "get", address, check=False)
    with contextlib.suppress(ValueError):
        routes = json.loads(proc.stdout or "[]")
        if routes and isinstance(routes[0], dict):
            return str(routes[0].get("dev")) if routes[0].get("dev") else None
    return None


def _stop(proc: subprocess.Popen[Any], grace: float = 5.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=grace)


@dataclass
class LanHost:
    """One host of the LAN: a network namespace with ``eth0`` on the bridge."""

    name: str
    namespace: str
    ipv4: str
    ipv6: str
    veth: str  # the root-namespace end, attached to the bridge
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` wrapped to run inside this host's namespace."""
        exe = shutil.which("ip") or "ip"
        return [exe, "netns", "exec", self.namespace, *argv]

    def spawn(self, argv: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
        """Start ``argv`` inside the host; it is stopped (by PID) when the LAN closes."""
        proc: subprocess.Popen[Any] = subprocess.Popen(self.command(argv), **popen)
        self.processes.append(proc)
        return proc

    def run(self, argv: Sequence[str], timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the host to completion."""
        return subprocess.run(
            self.command(argv), capture_output=True, text=True, timeout=timeout, check=False
        )

    def wait_listening(self, port: int, *, udp: bool = False, timeout: float = 15.0) -> None:
        """Wait until something in the host listens on ``port`` (asked with ``ss`` inside it)."""
        flag = "-uln" if udp else "-tln"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.run(["ss", "-H", flag, f"sport = :{port}"], timeout=5).stdout
            if out.strip():
                return
            for proc in self.processes:
                if proc.poll() is not None and proc.returncode not in (0, None):
                    raise LanError(f"{self.name}: a process exited with {proc.returncode} before listening")
            time.sleep(0.05)
        raise LanError(f"{self.name}: nothing listens on {'udp' if udp else 'tcp'} port {port}")

    def stop(self) -> None:
        for proc in reversed(self.processes):
            _stop(proc)
        self.processes.clear()


class VirtualLan:
    """One bridge in the root namespace and any number of hosts (see the module docstring)."""

    def __init__(self, *, tag: str | None = None) -> None:
        self.tag = tag or secrets.token_hex(3)
        self.bridge = f"slb{self.tag}"
        self.hosts: dict[str, LanHost] = {}
        self._namespaces: list[str] = []
        self._links: list[str] = []
        self._closed = False
        index = self._free_index()
        self.subnet_v4 = ipaddress.IPv4Network((int(IPV4_RANGE.network_address) + (index << 8), 24))
        self.subnet_v6 = ipaddress.IPv6Network((int(IPV6_RANGE.network_address) + (index << 64), 64))
        self.gateway_v4 = str(self.subnet_v4.network_address + 1)
        self.gateway_v6 = str(self.subnet_v6.network_address + 1)
        try:
            _ip("link", "add", self.bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0")
            self._links.append(self.bridge)
            _ip("addr", "add", f"{self.gateway_v4}/24", "dev", self.bridge)
            _ip("-6", "addr", "add", f"{self.gateway_v6}/64", "dev", self.bridge, "nodad")
            _ip("link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _free_index() -> int:
        """A /24 of 198.18.0.0/15 (and the /64 of the same number) that no route here covers."""
        proc = _ip("-j", "route", "show", "table", "all", check=False)
        taken: list[ipaddress.IPv4Network] = []
        with contextlib.suppress(ValueError):
            for route in json.loads(proc.stdout or "[]"):
                dst = str(route.get("dst", ""))
                with contextlib.suppress(ValueError):
                    net = ipaddress.ip_network(dst, strict=False)
                    if isinstance(net, ipaddress.IPv4Network) and net.prefixlen > 0:
                        taken.append(net)
        for _ in range(200):
            index = 1 + secrets.randbelow(510)
            candidate = ipaddress.IPv4Network((int(IPV4_RANGE.network_address) + (index << 8), 24))
            if not any(candidate.overlaps(t) for t in taken):
                return index
        raise LanError("no free /24 left in 198.18.0.0/15 on this machine")

    def add_host(self, name: str) -> LanHost:
        """A new namespace with ``eth0`` on the bridge, the next free addresses, loopback up,
        and the multicast range routed onto ``eth0`` (so it never leaves the LAN)."""
        if name in self.hosts:
            raise LanError(f"host {name!r} exists already")
        number = len(self.hosts) + 2
        namespace = f"securable-{self.tag}-{name}"
        veth = f"sl{self.tag}h{number}"
        ipv4 = str(self.subnet_v4.network_address + number)
        ipv6 = str(self.subnet_v6.network_address + number)
        _ip("netns", "add", namespace)
        self._namespaces.append(namespace)
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        self._links.append(veth)
        _ip("link", "set", veth, "master", self.bridge, "up")
        _ip("link", "set", "lo", "up", netns=namespace)
        _ip("addr", "add", f"{ipv4}/24", "dev", "eth0", netns=namespace)
        _ip("-6", "addr", "add", f"{ipv6}/64", "dev", "eth0", "nodad", netns=namespace)
        _ip("link", "set", "eth0", "up", netns=namespace)
        _ip("route", "add", "224.0.0.0/4", "dev", "eth0", netns=namespace)
        host = LanHost(name, namespace, ipv4, ipv6, veth)
        self.hosts[name] = host
        return host

    def unused_address(self) -> str:
        """An address on the LAN that no host has: probing it finds nobody (ARP goes unanswered)."""
        return str(self.subnet_v4.network_address + 200)

    def check_route(self, address: str) -> None:
        """Raise :class:`LanError` unless traffic to ``address`` leaves over this LAN's bridge."""
        dev = route_device(address)
        if dev != self.bridge:
            raise LanError(f"the route to {address} goes over {dev!r}, not the LAN bridge {self.bridge!r}")

    def close(self) -> None:
        """Stop every process, delete every namespace and link; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for host in self.hosts.values():
            host.stop()
        for namespace in self._namespaces:
            pids = _ip("netns", "pids", namespace, check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _ip("netns", "del", namespace, check=False)
        for link in reversed(self._links):
            _ip("link", "del", link, check=False)

    def __enter__(self) -> VirtualLan:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

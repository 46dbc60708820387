"""Helpers of the virtual-LAN tests: a module-wide LAN, peers in namespaces, real daemons.

The LAN comes from :mod:`securable.netlab` (addresses only from 198.18.0.0/15 and 2001:2::/48);
every peer is started inside a namespace of its own and stopped by PID when its test ends, and
the namespaces and the bridge go when the module's tests are done, failed or not.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from securable import netlab
from securable.assess.targets.host import LiveHost

PEERS = Path(__file__).with_name("lan_peers.py")
REASON = netlab.unavailable_reason()
SKIP_LINE = f"no virtual LAN here: {REASON}"


def wait_ready(proc: subprocess.Popen[bytes], what: str, timeout: float = 20.0) -> None:
    """Wait for the peer's ``ready`` line on stdout."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    data = b""
    try:
        while b"ready" not in data:
            if not selector.select(timeout=timeout):
                raise TimeoutError(f"{what} did not get ready within {timeout} s")
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError(f"{what} exited with {proc.wait()} before it was ready")
            data += chunk
    finally:
        selector.close()


@contextlib.contextmanager
def peer(lan: netlab.VirtualLan, name: str, *args: str) -> Iterator[netlab.LanHost]:
    """A new host on ``lan`` running ``lan_peers.py ARGS``; stopped when the block ends."""
    host = lan.add_host(name)
    proc = host.spawn([sys.executable, str(PEERS), *args], stdout=subprocess.PIPE)
    try:
        wait_ready(proc, f"peer {args[0]} in {host.namespace}")
        yield host
    finally:
        host.stop()
        assert proc.stdout is not None
        proc.stdout.close()


@contextlib.contextmanager
def daemon(
    lan: netlab.VirtualLan, name: str, argv: Sequence[str], port: int, *, udp: bool = False, **popen: Any
) -> Iterator[netlab.LanHost]:
    """A new host running a daemon in the foreground until it listens on ``port``."""
    host = lan.add_host(name)
    try:
        host.spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
        host.wait_listening(port, udp=udp)
        yield host
    finally:
        host.stop()


def snmpd_argv(folder: Path, config: str) -> tuple[list[str], dict[str, str]]:
    """Debian's snmpd in the foreground, its own configuration and persistent state only."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "snmpd.conf"
    conf.write_text("agentAddress udp:0.0.0.0:161,udp6:[::]:161\n" + config)
    argv = ["/usr/sbin/snmpd", "-f", "-C", "-c", str(conf), "-Lf", str(folder / "snmpd.log")]
    argv += ["-p", str(folder / "snmpd.pid"), "-M", "/nonexistent", "-m", ""]
    env = dict(os.environ, SNMP_PERSISTENT_DIR=str(folder / "state"), SNMPCONFPATH=str(folder))
    return argv, env


def assessed(lan: netlab.VirtualLan, address: str, ports: Any, declared: Any = None, **kw: Any) -> LiveHost:
    """A LiveHost for ``address`` — after checking the route to it goes over the LAN's bridge."""
    lan.check_route(address)
    kw.setdefault("credentials", (("root", "root"), ("admin", "admin"), ("admin", "")))
    kw.setdefault("timeout", 2.0)
    return LiveHost(address, ports, declared, **kw)

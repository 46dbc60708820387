"""Watching a device that has a network namespace of its own: attribution by address, capture
inside the namespace. The namespaces and their veth pair are created here, with addresses from
198.18.0.0/15 only, the route is checked before any traffic, and both are removed afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from securable.assess.observe import ConnectionWatch

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None, reason="needs root and iproute2 for namespaces"
)

DEVICE_ADDR, PEER_ADDR = "198.18.77.2", "198.18.77.1"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def lan() -> Iterator[tuple[str, str]]:
    """Two namespaces, device and peer, joined by one veth pair."""
    tag = f"{os.getpid() % 100000}"
    dev, peer = f"sdev{tag}", f"speer{tag}"
    try:
        _ip("netns", "add", dev)
        _ip("netns", "add", peer)
        _ip(
            "link", "add", f"vd{tag}", "netns", dev, "type", "veth", "peer", "name", f"vp{tag}", "netns", peer
        )
        for ns, link, addr in ((dev, f"vd{tag}", DEVICE_ADDR), (peer, f"vp{tag}", PEER_ADDR)):
            _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", link)
            _ip("-n", ns, "link", "set", link, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        route = subprocess.run(
            ["ip", "-n", dev, "route", "get", PEER_ADDR], check=True, capture_output=True, text=True
        ).stdout
        assert f"dev vd{tag}" in route, route  # the peer is reached over our veth, nowhere else
        yield dev, peer
    finally:
        for ns in (dev, peer):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


SERVER = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8883)); s.listen(); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.recv(100); c.close()
"""
CLIENT = """
import socket, sys, time
time.sleep(0.3)
s = socket.create_connection((sys.argv[1], 8883))
s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n"); time.sleep(0.3); s.close()
"""


def test_watch_inside_a_namespace_attributes_by_address(lan: tuple[str, str]) -> None:
    dev, peer = lan
    server = subprocess.Popen(
        ["ip", "netns", "exec", peer, sys.executable, "-c", SERVER, PEER_ADDR],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        watch = ConnectionWatch(component="unit", addresses=[DEVICE_ADDR], netns=dev).start()
        subprocess.run(
            ["ip", "netns", "exec", dev, sys.executable, "-c", CLIENT, PEER_ADDR], check=True, timeout=20
        )
        time.sleep(0.05)
        traffic = watch.stop()
    finally:
        server.kill()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()
    assert [(c.remote, c.remote_port, c.protocols) for c in traffic.connections] == [
        (PEER_ADDR, 8883, ("http",))
    ]
    assert "capture" in traffic.methods and "table:address" in traffic.methods

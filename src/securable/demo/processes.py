"""Start and stop the demo's device processes on loopback addresses of their own."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securable.errors import SecurableError

DEVICE_PORTS = (8080, 2323, 8443)


class DemoError(SecurableError):
    """The demo could not start a device; the message says which and why."""


def loopback_address(start: int, *, avoid: set[str] | None = None) -> str:
    """The first 127.0.0.x (x ≥ start) where none of the demo's device ports is in use."""
    avoid = avoid or set()
    for last in range(start, 255):
        address = f"127.0.0.{last}"
        if address in avoid:
            continue
        if all(_free(address, port) for port in DEVICE_PORTS):
            return address
    raise DemoError(
        "no free loopback address for the demo devices",
        diagnostics="stop other demo runs (ports 8080, 2323, 8443 on 127.0.0.x are in use)",
    )


def _free(address: str, port: int) -> bool:
    with socket.socket() as sock:
        # Same option as the device's servers, so a previous run's TIME_WAIT sockets don't count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:
            return False
    return True


@dataclass
class DeviceProcess:
    build: str
    address: str
    ports: dict[str, int]
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_device(
    build: str,
    address: str,
    state: Path,
    *,
    serial: str,
    timeout: float = 30.0,
    extra: tuple[str, ...] = (),
    on_spawn: Callable[[int], None] | None = None,
    wrap: Callable[[list[str]], list[str]] | None = None,
) -> DeviceProcess:
    """Start ``python -m securable.demo.runner`` and wait for its ready line.

    ``on_spawn`` gets the process id as soon as it exists, before the device's first start runs
    (the demo starts watching its connections there). ``wrap`` turns the command into one that
    runs elsewhere (inside a network namespace: ``LanHost.command``)."""
    state.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "securable.demo.runner",
        "--build",
        build,
        "--address",
        address,
        "--state",
        str(state),
        "--serial",
        serial,
        *extra,
    ]
    if wrap is not None:
        cmd = wrap(cmd)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with (state / "device.log").open("wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, env=env)
    assert proc.stdout is not None
    if on_spawn is not None:
        on_spawn(proc.pid)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    line = b""
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        if proc.poll() is not None:
            break
        if selector.select(timeout=0.2):
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            line += chunk
    selector.close()
    info: dict[str, Any] = {}
    with contextlib.suppress(ValueError):
        info = json.loads(line.decode(errors="replace").strip() or "{}")
    if not info.get("ready"):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=5)
        proc.stdout.close()
        tail = (state / "device.log").read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise DemoError(
            f"the {build} device did not start on {address}: {tail[0]}",
            diagnostics=f"see {state / 'device.log'}",
        )
    return DeviceProcess(build, address, {k: int(v) for k, v in info["ports"].items()}, proc)

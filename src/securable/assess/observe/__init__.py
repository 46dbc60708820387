"""Observe what a device connects to, for a window of time, to compare with its declaration.

**Method.** One watcher thread combines two sources:

* the kernel's **connection tables** (``/proc/<pid>/net/tcp{,6}``, ``udp{,6}``) read every
  ``interval`` seconds, attributed to the device either by **process** (the socket inodes that the
  device's process and its children hold, from ``/proc/<pid>/fd``) or by **address** (the sockets
  whose local address is one of the device's addresses — right when the device has an address of
  its own, e.g. in a network namespace);
* a **packet capture** (:mod:`~securable.assess.observe.capture`, root only) on the device's
  interface, which sees every connection open (its SYN) and its first bytes, so the protocol
  actually spoken (TLS, SSH, HTTP, MQTT…) is known, not guessed from the port.

With a network namespace (``netns=``, a name under ``/run/netns`` or a path such as
``/proc/<pid>/ns/net``) the thread enters it first, so both sources see the namespace's own
tables and interfaces. This module is self-contained (it opens its own packet socket and enters
the namespace with ``setns``); it does not rely on any other namespace helper.

**Limits.** Only connections that open during the window are classified; one that was already
open shows in the tables with protocol ``unknown``. In process mode without capture, a connection
opened and closed between two table reads is missed (the capture closes that gap, because each new
SYN triggers a table read, but a connection shorter than that read can still go unattributed;
the demo's legacy unit keeps its beacon connection open for that reason). Only the device's
*outbound* connections are reported (those it opened: not to its own listening ports, and not
socket pairs whose both ends the device holds). Host names are not resolved: components are
matched to observed connections by the addresses the declaration gives. A remote device whose
traffic does not pass through this machine cannot be observed this way (capture at its gateway).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from securable.assess.model import TargetKind
from securable.assess.observe.capture import ENCRYPTED, PLAINTEXT, Flow, FlowTable, open_packet_socket
from securable.assess.observe.table import Row, owned_inodes, process_tree, read_table

__all__ = [
    "ENCRYPTED",
    "PLAINTEXT",
    "ConnectionWatch",
    "ObservedConnection",
    "ObservedTraffic",
]

CLONE_NEWNET = 0x40000000
_OUTBOUND_STATES = frozenset(
    {"syn_sent", "established", "fin_wait1", "fin_wait2", "time_wait", "close_wait", "last_ack", "closing"}
)


@dataclass(frozen=True)
class ObservedConnection:
    """Every connection the device opened to one remote endpoint during the window."""

    transport: str
    remote: str
    remote_port: int
    protocols: tuple[str, ...]  # as classified per flow; "unknown" when no flow was captured
    count: int  # connections seen (flows, or table rows when nothing was captured)
    sources: tuple[str, ...]  # "capture" and/or "table"

    @property
    def endpoint(self) -> str:
        host = f"[{self.remote}]" if ":" in self.remote else self.remote
        return f"{self.transport}://{host}:{self.remote_port}"

    @property
    def encrypted(self) -> bool | None:
        """True when every classified flow was TLS/DTLS/SSH, False when one was a known
        plaintext protocol, None when nothing could be classified."""
        known = [p for p in self.protocols if p in ENCRYPTED or p in PLAINTEXT]
        if any(p in PLAINTEXT for p in known):
            return False
        return True if known else None

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "transport": self.transport,
            "address": self.remote,
            "port": self.remote_port,
            "protocols": list(self.protocols),
            "connections": self.count,
            "seen_by": list(self.sources),
        }


@dataclass(frozen=True)
class ObservedTraffic:
    """The traffic target: what one component was seen connecting to, and how it was watched."""

    component: str
    seconds: float
    methods: tuple[str, ...]  # "capture", "table:pid", "table:address"
    connections: tuple[ObservedConnection, ...]
    notes: tuple[str, ...] = ()
    kind = TargetKind.TRAFFIC

    @property
    def ref(self) -> str:
        return f"{self.component}: outbound connections over {self.seconds:.1f} s ({', '.join(self.methods)})"

    @property
    def captured(self) -> bool:
        return "capture" in self.methods


def _enter_netns(netns: str | Path) -> None:
    path = Path(netns) if "/" in str(netns) else Path("/run/netns") / str(netns)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"cannot enter network namespace {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


@dataclass
class _State:
    flows: FlowTable = field(default_factory=FlowTable)
    rows: dict[tuple[str, str, int, str, int], Row] = field(default_factory=dict)
    listening: set[tuple[str, int]] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    captured: bool = False


class ConnectionWatch:
    """Watch a device's outbound connections from :meth:`start` to :meth:`stop`.

    ``pid``: attribute sockets to this process and its children; ``addresses``: attribute by local
    address (either or both). ``netns``: watch inside that network namespace. ``interface``: where
    to capture (default ``lo`` outside a namespace, every interface inside one).
    """

    def __init__(
        self,
        *,
        component: str = "device",
        pid: int | None = None,
        addresses: Iterable[str] = (),
        netns: str | Path | None = None,
        interface: str | None = None,
        capture: bool = True,
        interval: float = 0.01,
    ) -> None:
        self.component = component
        self.pid = pid
        self.addresses = frozenset(addresses)
        if pid is None and not self.addresses:
            raise ValueError("give the device's pid or its addresses")
        self.netns = netns
        self.interface = interface if interface is not None else (None if netns else "lo")
        self.capture = capture
        self.interval = interval
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._state = _State()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._error: BaseException | None = None

    def start(self) -> ConnectionWatch:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="connection-watch", daemon=True)
        self._thread.start()
        self._ready.wait(5)
        if self._error is not None:
            raise self._error
        return self

    def __enter__(self) -> ConnectionWatch:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None and self._thread.is_alive():
            self.stop()

    def stop(self) -> ObservedTraffic:
        """Stop watching and return what was seen."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        seconds = time.monotonic() - self._started
        return self._result(seconds)

    # --- the watcher thread ---------------------------------------------------------------

    def _run(self) -> None:
        sock = None
        try:
            if self.netns is not None:
                _enter_netns(self.netns)
            if self.capture:
                try:
                    sock = open_packet_socket(self.interface)
                    self._state.captured = True
                except PermissionError:
                    self._state.notes.append("packet capture needs CAP_NET_RAW: protocols stay unknown")
                except OSError as exc:
                    self._state.notes.append(f"no packet capture on {self.interface}: {exc.strerror or exc}")
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        net = Path(f"/proc/{self.pid}/net") if self.pid is not None else Path("/proc/thread-self/net")
        self._poll(net)
        self._ready.set()
        try:
            while not self._stop.is_set():
                if sock is not None:
                    self._drain(sock)  # returns early when a flow opens, to read the tables now
                else:
                    self._stop.wait(self.interval)
                self._poll(net)
            if sock is not None:
                self._drain(sock)
            self._poll(net)
        finally:
            if sock is not None:
                sock.close()

    def _drain(self, sock: Any) -> None:
        """Read frames for up to ``interval`` seconds, or until a new flow opens."""
        before = len(self._state.flows.flows)
        deadline = time.monotonic() + self.interval
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _w, _x = select.select([sock], [], [], remaining)
            if not ready:
                break
            for _ in range(256):
                try:
                    frame, meta = sock.recvfrom(65535)
                except BlockingIOError:
                    break
                if meta[0] == "lo" and meta[2] == 4:  # loopback frames show twice; keep the inbound copy
                    continue
                self._state.flows.feed(frame)
            if len(self._state.flows.flows) > before:
                break  # read the tables now, while the new sockets still exist

    def _mine(self, row: Row, owned: set[int]) -> bool:
        if self.pid is not None and row.inode and row.inode in owned:
            return True
        return row.local in self.addresses

    def _poll(self, net: Path) -> None:
        owned = owned_inodes(process_tree(self.pid)) if self.pid is not None else set()
        if self.pid is not None and not Path(f"/proc/{self.pid}").exists():
            return
        with contextlib.suppress(OSError):
            rows = read_table(net)
            for row in rows:
                if not self._mine(row, owned):
                    continue
                if (row.transport == "tcp" and row.state == "listen") or (
                    row.transport == "udp" and row.remote_port == 0
                ):
                    self._state.listening.add((row.transport, row.local_port))
                    continue
                key = (row.transport, row.local, row.local_port, row.remote, row.remote_port)
                self._state.rows.setdefault(key, row)

    # --- the result ---------------------------------------------------------------------------

    def _outbound_rows(self) -> list[Row]:
        listening = self._state.listening
        # Both ends owned by the device: an internal socket pair (paho-mqtt wakes its loop with one
        # on 127.0.0.1), not a connection to another component.
        own = {(r.transport, r.local, r.local_port) for r in self._state.rows.values()}
        return [
            r
            for r in self._state.rows.values()
            if (r.transport, r.local_port) not in listening
            and r.remote_port != 0
            and (r.transport, r.remote, r.remote_port) not in own
            and (r.transport == "udp" or r.state in _OUTBOUND_STATES)
        ]

    def _flows(self, rows: list[Row]) -> list[Flow]:
        clients = {(r.transport, r.local, r.local_port) for r in rows}
        return [
            f
            for f in self._state.flows.flows.values()
            if (f.transport, f.client, f.client_port) in clients or f.client in self.addresses
            if (f.transport, f.client_port) not in self._state.listening or f.client in self.addresses
        ]

    def _result(self, seconds: float) -> ObservedTraffic:
        rows = self._outbound_rows()
        flows = [f for f in self._flows(rows) if (f.transport, f.client_port) not in self._state.listening]
        grouped: dict[tuple[str, str, int], dict[str, Any]] = {}
        for flow in flows:
            entry = grouped.setdefault(
                (flow.transport, flow.server, flow.server_port),
                {"protocols": [], "flows": set(), "rows": set(), "sources": set()},
            )
            entry["protocols"].append(flow.protocol)
            entry["flows"].add(flow.client_port)
            entry["sources"].add("capture")
        for row in rows:
            entry = grouped.setdefault(
                (row.transport, row.remote, row.remote_port),
                {"protocols": [], "flows": set(), "rows": set(), "sources": set()},
            )
            entry["rows"].add(row.local_port)
            entry["sources"].add("table")
        connections = []
        for (transport, remote, port), entry in sorted(grouped.items()):
            protocols = tuple(dict.fromkeys(entry["protocols"])) or ("unknown",)
            connections.append(
                ObservedConnection(
                    transport=transport,
                    remote=remote,
                    remote_port=port,
                    protocols=protocols,
                    count=len(entry["flows"] | entry["rows"]),
                    sources=tuple(sorted(entry["sources"])),
                )
            )
        methods = []
        if self._state.captured:
            methods.append("capture")
        if self.pid is not None:
            methods.append("table:pid")
        if self.addresses:
            methods.append("table:address")
        notes = list(self._state.notes)
        if self._state.flows.dropped:
            notes.append(f"{self._state.flows.dropped} flows not kept (flow table full)")
        return ObservedTraffic(self.component, seconds, tuple(methods), tuple(connections), tuple(notes))

"""Read the kernel's connection tables and find which sockets a process owns.

``/proc/<pid>/net/{tcp,tcp6,udp,udp6}`` list every socket of the network namespace the process
lives in (address, port, state and the socket's inode); ``/proc/<pid>/fd`` links each open
descriptor of the process to ``socket:[inode]``. Together they say which connections a given
process holds — the method ``ss -p`` and psutil use — without any extra dependency. Reading
another user's ``fd`` folder needs the same user or root.

A table is a snapshot: a connection opened and closed between two reads is not in any of them.
:mod:`securable.assess.observe.capture` sees those, where packet capture is allowed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Row", "owned_inodes", "process_tree", "read_table"]

# /proc/net/tcp state codes (include/net/tcp_states.h)
STATES = {
    "01": "established",
    "02": "syn_sent",
    "03": "syn_recv",
    "04": "fin_wait1",
    "05": "fin_wait2",
    "06": "time_wait",
    "07": "close",
    "08": "close_wait",
    "09": "last_ack",
    "0A": "listen",
    "0B": "closing",
}


@dataclass(frozen=True)
class Row:
    """One socket of a table: ``transport`` tcp/udp, addresses as text, ``inode`` 0 when orphaned."""

    transport: str
    local: str
    local_port: int
    remote: str
    remote_port: int
    state: str
    inode: int


def _address(hex_text: str) -> str:
    raw = bytes.fromhex(hex_text)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(words)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _rows(path: Path, transport: str) -> Iterator[Row]:
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return
    for line in lines:
        parts = line.split()
        if len(parts) < 10:
            continue
        try:
            local, lport = parts[1].split(":")
            remote, rport = parts[2].split(":")
            yield Row(
                transport=transport,
                local=_address(local),
                local_port=int(lport, 16),
                remote=_address(remote),
                remote_port=int(rport, 16),
                state=STATES.get(parts[3], parts[3]) if transport == "tcp" else "",
                inode=int(parts[9]),
            )
        except ValueError:
            continue


def read_table(net: Path) -> list[Row]:
    """Every TCP and UDP socket (IPv4 and IPv6) listed under ``net`` (a ``/proc/.../net`` folder)."""
    out: list[Row] = []
    for name, transport in (("tcp", "tcp"), ("tcp6", "tcp"), ("udp", "udp"), ("udp6", "udp")):
        out.extend(_rows(net / name, transport))
    return out


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (read from ``/proc/<pid>/task/*/children``)."""
    seen: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        try:
            tasks = [p.name for p in Path(f"/proc/{current}/task").iterdir()]
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except OSError:
                continue
            todo.extend(int(c) for c in children if c.isdigit())
    return seen


def owned_inodes(pids: list[int]) -> set[int]:
    """The socket inodes the processes ``pids`` hold open."""
    inodes: set[int] = set()
    for pid in pids:
        try:
            entries = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                link = str(entry.readlink())
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    return inodes

"""Watch connections on the wire: a Linux packet socket, the first bytes of each new flow.

A ``AF_PACKET`` socket sees every frame of an interface (``lo`` for devices on the loopback, or
every interface of a network namespace the socket was opened in). For each TCP connection whose
opening SYN is seen, the first payload bytes of each side are kept, enough to tell TLS (a
handshake record ``16 03 xx``), SSH (``SSH-``), HTTP (a method word), MQTT (a CONNECT packet) from
each other; UDP datagrams are classified the same way (DTLS, CoAP, DNS). Only headers and at most
:data:`KEEP` bytes per side are held, never the traffic itself.

Needs ``CAP_NET_RAW`` (root). Without it :func:`open_packet_socket` raises ``PermissionError`` and
the caller falls back to the connection tables alone (protocols then stay ``unknown``). The
classification reads bytes, it does not decrypt anything: a protocol it does not know comes out
``unrecognized``, which the checks treat as undecided, not as plaintext.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

__all__ = ["ENCRYPTED", "PLAINTEXT", "Flow", "FlowTable", "classify", "open_packet_socket"]

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
KEEP = 16
MAX_FLOWS = 20_000
ENCRYPTED = frozenset({"tls", "dtls", "ssh"})
PLAINTEXT = frozenset({"http", "mqtt", "coap", "dns", "telnet"})
_HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ")


def classify(transport: str, client: bytes, server: bytes, port: int = 0) -> str:
    """The protocol the first bytes of a flow show; ``no-data`` before any, ``unrecognized`` else."""
    if not client and not server:
        return "no-data"
    if transport == "udp":
        if client[:1] in (b"\x14", b"\x15", b"\x16", b"\x17") and client[1:3] in (b"\xfe\xfd", b"\xfe\xff"):
            return "dtls"
        if port == 53 or (len(client) >= 12 and port == 5353):
            return "dns"
        if client and client[0] >> 6 == 1 and port in (5683, 5684):
            return "coap"
        return "unrecognized"
    if client[:1] == b"\x16" and client[1:2] == b"\x03":
        return "tls"
    if client.startswith(b"SSH-") or server.startswith(b"SSH-"):
        return "ssh"
    if client.startswith(_HTTP_METHODS) or server.startswith(b"HTTP/"):
        return "http"
    if client[:1] == b"\x10" and (b"MQTT" in client or b"MQIsdp" in client):
        return "mqtt"
    if client[:1] == b"\xff" or server[:1] == b"\xff":
        return "telnet"
    return "unrecognized"


@dataclass
class Flow:
    """One connection seen opening: ``client`` sent the SYN (or the first datagram)."""

    transport: str
    client: str
    client_port: int
    server: str
    server_port: int
    started: float
    client_first: bytes = b""
    server_first: bytes = b""

    @property
    def protocol(self) -> str:
        return classify(self.transport, self.client_first, self.server_first, self.server_port)


def _ip(packet: bytes) -> tuple[int, str, str, bytes] | None:
    """``(protocol, source, destination, L4 bytes)`` of an IPv4/IPv6 packet, or None."""
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        ihl = (packet[0] & 0x0F) * 4
        total = struct.unpack("!H", packet[2:4])[0] or len(packet)
        return (
            packet[9],
            socket.inet_ntop(socket.AF_INET, packet[12:16]),
            socket.inet_ntop(socket.AF_INET, packet[16:20]),
            packet[ihl:total],
        )
    if version == 6 and len(packet) >= 40:
        return (
            packet[6],
            socket.inet_ntop(socket.AF_INET6, packet[8:24]),
            socket.inet_ntop(socket.AF_INET6, packet[24:40]),
            packet[40:],
        )
    return None


@dataclass
class FlowTable:
    """The flows seen so far, keyed by ``(transport, client, cport, server, sport)``."""

    flows: dict[tuple[str, str, int, str, int], Flow] = field(default_factory=dict)
    dropped: int = 0

    def feed(self, frame: bytes, *, clock: float | None = None) -> None:
        """Account one Ethernet (or loopback) frame."""
        if len(frame) < 14:
            return
        ethertype = struct.unpack("!H", frame[12:14])[0]
        if ethertype not in (0x0800, 0x86DD):
            return
        parsed = _ip(frame[14:])
        if parsed is None:
            return
        proto, src, dst, l4 = parsed
        now = time.monotonic() if clock is None else clock
        if proto == 6 and len(l4) >= 20:
            sport, dport = struct.unpack("!HH", l4[:4])
            flags = l4[13]
            payload = l4[(l4[12] >> 4) * 4 :]
            if flags & 0x02 and not flags & 0x10:  # SYN without ACK: a connection opens
                self._add(Flow("tcp", src, sport, dst, dport, now))
                return
            self._payload("tcp", src, sport, dst, dport, payload)
        elif proto == 17 and len(l4) >= 8:
            sport, dport = struct.unpack("!HH", l4[:4])
            payload = l4[8:]
            if not self._payload("udp", src, sport, dst, dport, payload):
                flow = Flow("udp", src, sport, dst, dport, now, client_first=payload[:KEEP])
                self._add(flow)

    def _add(self, flow: Flow) -> None:
        key = (flow.transport, flow.client, flow.client_port, flow.server, flow.server_port)
        if key in self.flows:
            return
        if len(self.flows) >= MAX_FLOWS:
            self.dropped += 1
            return
        self.flows[key] = flow

    def _payload(self, transport: str, src: str, sport: int, dst: int | str, dport: int, data: bytes) -> bool:
        forward = self.flows.get((transport, src, sport, str(dst), dport))
        if forward is not None:
            if data and not forward.client_first:
                forward.client_first = data[:KEEP]
            return True
        backward = self.flows.get((transport, str(dst), dport, src, sport))
        if backward is not None:
            if data and not backward.server_first:
                backward.server_first = data[:KEEP]
            return True
        return False


def open_packet_socket(interface: str | None) -> socket.socket:
    """A non-blocking packet socket on ``interface`` (every interface of the namespace when None).

    Raises ``PermissionError`` without ``CAP_NET_RAW`` and ``OSError`` for an unknown interface.
    """
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        if interface is not None:
            sock.bind((interface, 0))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock

"""The packet parser and the protocol classifier: frames come from the network, so any bytes."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from securable.assess.observe.capture import FlowTable, classify


@given(st.binary(max_size=200))
def test_any_frame_is_accounted_or_ignored_never_raises(frame: bytes) -> None:
    table = FlowTable()
    table.feed(b"\x00" * 12 + b"\x08\x00" + frame, clock=0.0)
    table.feed(b"\x00" * 12 + b"\x86\xdd" + frame, clock=0.0)


def _tcp_frame(src: bytes, sport: int, dst: bytes, dport: int, flags: int, payload: bytes = b"") -> bytes:
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 0, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst)
    return b"\x00" * 12 + b"\x08\x00" + ip + tcp


def test_a_flow_keeps_the_first_bytes_of_each_side() -> None:
    table = FlowTable()
    a, b = bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])
    table.feed(_tcp_frame(a, 40000, b, 8883, 0x02), clock=1.0)  # SYN
    table.feed(_tcp_frame(b, 8883, a, 40000, 0x12), clock=1.0)  # SYN-ACK: not a new flow
    table.feed(_tcp_frame(a, 40000, b, 8883, 0x18, b"\x16\x03\x01\x02\x00" + b"x" * 40), clock=1.1)
    table.feed(_tcp_frame(b, 8883, a, 40000, 0x18, b"\x16\x03\x03\x00\x7a"), clock=1.2)
    (flow,) = table.flows.values()
    assert (flow.client, flow.client_port, flow.server, flow.server_port) == (
        "198.18.0.2",
        40000,
        "198.18.0.1",
        8883,
    )
    assert flow.protocol == "tls" and len(flow.client_first) == 16


def test_classifier_tells_the_usual_protocols_apart() -> None:
    assert classify("tcp", b"", b"") == "no-data"
    assert classify("tcp", b"GET / HTTP/1.1\r\n", b"") == "http"
    assert classify("tcp", b"", b"SSH-2.0-OpenSSH_9.2") == "ssh"
    assert classify("tcp", b"\x10\x0c\x00\x04MQTT\x04\x02", b"") == "mqtt"
    assert classify("tcp", b"\x17\x03\x03", b"") == "unrecognized"  # never guessed as plaintext
    assert classify("udp", b"\x16\xfe\xfd" + b"\x00" * 10, b"", 5684) == "dtls"
    assert classify("udp", b"\x40\x01\x00\x01", b"", 5683) == "coap"
    assert classify("udp", b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6, b"", 53) == "dns"

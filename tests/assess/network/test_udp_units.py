"""Units of the any-address, UDP and port-list work, on loopback only (the virtual-LAN tests are in
``test_lan.py``): port lists, UDP states, the discovery datagrams, and the small parsers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from securable.assess import netscan
from securable.assess.checks.network.coap_access import link_paths
from securable.assess.targets.host import DeclaredInterface, LiveHost, probe_origin
from securable.assess.targets.host.udp_probe import UdpSocketProbe, _txt_items
from securable.assess.targets.host.upnp import parse_ssdp
from securable.errors import UsageError

from .fakeprobe import FakeProbe


def test_port_lists_switch_protocol_with_a_prefix_and_bare_numbers_are_tcp() -> None:
    spec = netscan.parse_port_spec("22,80,udp:161,1900,5353,5683,tcp:8000-8002")
    assert spec.tcp == (22, 80, 8000, 8001, 8002)
    assert spec.udp == (161, 1900, 5353, 5683)
    assert str(spec) == "tcp:22,80,8000-8002,udp:161,1900,5353,5683"
    assert netscan.parse_port_spec("udp:161").tcp == ()
    assert netscan.parse_port_spec("tcp:1-65535").tcp == netscan.FULL_TCP
    assert str(netscan.PortSpec()) == "tcp:1-65535,udp:53,69,123,161,1900,5353,5683-5684"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sctp:22", "not tcp or udp"),
        ("udp:", "not a port or a range"),
        ("udp:70000", "goes above 65535"),
        ("tcp:0-5", "includes 0"),
        ("udp:200-100", "reversed range"),
        (",", "names no port"),
    ],
)
def test_bad_port_lists_are_usage_errors_naming_the_part(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as err:
        netscan.parse_port_spec(text)
    assert err.value.exit_code == 2 and "--ports" in str(err.value)


def test_a_port_list_with_udp_reaches_the_live_host() -> None:
    host = LiveHost("127.0.0.1", "tcp:40000,udp:40001", probe=FakeProbe())
    assert host.ports == (40000,) and host.udp_ports == (40001,)
    assert LiveHost("127.0.0.1", [40000], probe=FakeProbe(), udp_ports=[161]).udp_ports == (161,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concurrency": 0}, "connection limit"),
        ({"rate": 0.0}, "connection rate"),
        ({"timeout": 0.0}, "timeout"),
    ],
)
def test_concurrency_rate_and_timeout_are_bounded(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        LiveHost("127.0.0.1", [40000], **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def udp_echo() -> Iterator[int]:
    """A UDP service on 127.0.0.1 that answers every datagram."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(2048)
            except TimeoutError:
                continue
            sock.sendto(b"echo:" + data, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()


def _closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_udp_states_open_closed_and_open_filtered_on_loopback(udp_echo: int) -> None:
    closed = _closed_udp_port()
    quiet = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never answers
    quiet.bind(("127.0.0.1", 0))
    try:
        silent = int(quiet.getsockname()[1])
        states = {s.port: s for s in netscan.udp_sweep("127.0.0.1", [udp_echo, closed, silent], timeout=0.6)}
    finally:
        quiet.close()
    assert states[udp_echo].state == "open" and states[udp_echo].reply.startswith(b"echo:")
    assert states[closed].state == "closed"  # ICMP port unreachable → ECONNREFUSED
    assert states[silent].state == "open|filtered"  # nothing came back: honest, not "closed"


def test_udp_exchange_seam_returns_the_reply_or_none(udp_echo: int) -> None:
    probe = UdpSocketProbe(timeout=1.0)
    assert probe.udp_exchange("127.0.0.1", udp_echo, b"hi") == b"echo:hi"
    assert probe.udp_exchange("127.0.0.1", _closed_udp_port(), b"hi") is None
    assert probe.udp_scan("127.0.0.1", [udp_echo]) == {udp_echo: "open"}


def test_the_snmpv3_discovery_datagram_is_a_well_formed_snmpv3_message() -> None:
    from pyasn1.codec.ber import decoder
    from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message

    message = netscan.snmp_v3_discovery()
    decoded, rest = decoder.decode(message, asn1Spec=SNMPv3Message())
    assert rest == b"" and int(decoded["msgVersion"]) == 3
    assert decoded["msgGlobalData"]["msgFlags"].asOctets() == b"\x04"  # reportable, no auth, no priv
    assert b"public" not in message and b"private" not in message  # no credential in the sweep


def test_discovery_datagrams_are_unicast_and_well_formed() -> None:
    search = netscan.ssdp_msearch("198.18.0.2").decode()
    assert search.startswith("M-SEARCH * HTTP/1.1\r\nHOST: 198.18.0.2:1900\r\n")
    assert "239.255.255.250" not in search
    assert "HOST: [2001:2::2]:1900" in netscan.ssdp_msearch("2001:2::2").decode()
    from zeroconf import DNSIncoming  # type: ignore[attr-defined]

    query = DNSIncoming(netscan.dns_query("_services._dns-sd._udp.local", 12))
    assert [q.name for q in query.questions] == ["_services._dns-sd._udp.local."]
    import aiocoap

    coap = aiocoap.Message.decode(netscan.COAP_WELL_KNOWN_CORE)
    assert coap.code == aiocoap.GET and coap.opt.uri_path == (".well-known", "core")


def test_small_parsers_of_device_answers() -> None:
    assert parse_ssdp(b"HTTP/1.1 200 OK\r\nLOCATION: http://x/d.xml\r\nST: upnp:rootdevice\r\n\r\n") == {
        "location": "http://x/d.xml",
        "st": "upnp:rootdevice",
    }
    assert parse_ssdp(b"NOTIFY * HTTP/1.1\r\n\r\n") is None
    assert link_paths(b'</temp>;rt="t",<setpoint>;if="core.a",</.well-known/core>,<coap://x/y>') == [
        "/temp",
        "/setpoint",
    ]
    assert _txt_items(b"\x0csn=ST100-001\x08fw=2.4.1\x00\x04flag") == {
        "sn": "ST100-001",
        "fw": "2.4.1",
        "flag": "",
    }


def test_declared_protocols_say_whether_an_interface_is_udp() -> None:
    assert DeclaredInterface(name="a", protocol="coap", port=5683).transport == "udp"
    assert DeclaredInterface(name="b", protocol="SNMPv3", port=161).transport == "udp"
    assert DeclaredInterface(name="c", protocol="coap/udp", port=5683).transport == "udp"
    assert DeclaredInterface(name="d", protocol="https", port=443).transport == "tcp"
    assert DeclaredInterface(name="e", port=80).transport == "tcp"


def test_probe_origin_names_the_local_address_without_sending() -> None:
    origin = probe_origin("127.0.0.1")
    assert origin.source == "127.0.0.1"
    assert origin.interface in (None, "lo")


def test_the_report_notes_say_what_was_probed_from_where_and_when() -> None:
    host = LiveHost("localhost", "tcp:40000", probe=FakeProbe(), login_attempts=False)
    assert host.open_ports() == []
    notes = "\n".join(host.notes)
    assert ("host name 'localhost'" in notes and "from 127.0.0.1" in notes) or "from ::1" in notes
    assert "probes from 20" in notes and "ports: tcp:40000" in notes
    assert "login attempts and state-changing probes switched off" in notes

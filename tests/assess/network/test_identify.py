"""Service identification against real peers, and the LiveHost contract."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from securable.assess.checks.network import ServiceIdentityCheck
from securable.assess.model import TargetKind, Verdict
from securable.assess.targets.host import DeclaredInterface, HostAddressError, LiveHost
from securable.errors import DeclarationError, UsageError

from . import peers
from .conftest import host_for, run

pytestmark = pytest.mark.integration


def test_identifies_each_real_service(
    sshd_hardened: int, mqtt_anonymous: int, mqtts_strong: int, good_cert: peers.Pem
) -> None:
    with (
        peers.http_server(peers.WebApp()) as http_port,
        peers.http_server(peers.WebApp(), peers.server_context(good_cert)) as https_port,
        peers.telnet_server() as telnet_port,
        peers.ftp_banner_server() as ftp_port,
        peers.tls_echo_server(peers.server_context(good_cert)) as tls_port,
    ):
        closed = peers.free_port()
        host = host_for(
            sshd_hardened,
            mqtt_anonymous,
            mqtts_strong,
            http_port,
            https_port,
            telnet_port,
            ftp_port,
            tls_port,
            closed,
        )
        assert host.open_ports() == sorted(
            [
                sshd_hardened,
                mqtt_anonymous,
                mqtts_strong,
                http_port,
                https_port,
                telnet_port,
                ftp_port,
                tls_port,
            ]
        )
        names = {s.port: s.service for s in host.services()}
    assert names == {
        sshd_hardened: "ssh",
        mqtt_anonymous: "mqtt",
        mqtts_strong: "mqtts",
        http_port: "http",
        https_port: "https",
        telnet_port: "telnet",
        ftp_port: "ftp",
        tls_port: "tls",
    }
    assert host.service(sshd_hardened).banner.startswith("SSH-2.0-OpenSSH")


def test_declared_protocol_mismatch_fails_and_match_passes(good_cert: peers.Pem) -> None:
    with (
        peers.http_server(peers.WebApp()) as plain,
        peers.http_server(peers.WebApp(), peers.server_context(good_cert)) as tls,
    ):
        declared = [
            {"name": "api", "kind": "network", "protocol": "https", "port": plain, "auth": "password"},
            {"name": "api-tls", "kind": "network", "protocol": "https", "port": tls, "auth": "password"},
        ]
        findings = run(ServiceIdentityCheck, host_for(plain, tls, declared=declared))
    by_port = {f.location.port: f for f in findings if f.location}
    assert by_port[plain].verdict is Verdict.FAIL
    assert "declared as https" in by_port[plain].message
    assert by_port[tls].verdict is Verdict.PASS
    assert by_port[plain].location == host_for(plain).location(plain, "http")
    assert by_port[plain].to_json()["location"] == {"host": "127.0.0.1", "port": plain, "service": "http"}


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::fb", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("198.18.5.255/24", "broadcast address of 198.18.5.0/24"),
        ("198.18.5.0/24", "network address"),
        ("::ffff:224.0.0.1", "multicast"),
        ("no such host.invalid", "neither an address nor a host name"),
        ("device.invalid", "does not resolve"),
    ],
)
def test_addresses_of_no_single_device_are_refused_with_exit_2(address: str, why: str) -> None:
    with pytest.raises(HostAddressError) as err:
        LiveHost(address, [80])
    assert isinstance(err.value, UsageError)
    assert err.value.exit_code == 2
    assert why in str(err.value)
    assert err.value.diagnostics


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.9", "127.0.0.9"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("10.0.0.1", "10.0.0.1"),
        ("192.168.1.20", "192.168.1.20"),
        ("2001:db8::1", "2001:db8::1"),
        ("198.18.5.7/24", "198.18.5.7"),
        ("fe80::1%lo", "fe80::1%lo"),
    ],
)
def test_any_unicast_address_is_accepted_without_sending_anything(address: str, expected: str) -> None:
    host = LiveHost(address, "40000-40002")
    assert host.address == expected
    assert host.ports == (40000, 40001, 40002)
    assert host.udp_ports == ()
    assert host.kind is TargetKind.HOST


def test_a_host_name_is_resolved_and_kept_for_the_report() -> None:
    host = LiveHost("localhost", [40000])
    assert host.address in ("127.0.0.1", "::1")
    assert host.resolved.name == "localhost"
    assert "host name 'localhost'" in host.resolved.describe()


def test_bad_ports_and_declarations_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="ports start at 1"):
        LiveHost("127.0.0.1", "0-5")
    with pytest.raises(UsageError, match="not a port or a range"):
        LiveHost("127.0.0.1", "22,http")
    with pytest.raises(UsageError, match="not tcp or udp"):
        LiveHost("127.0.0.1", "sctp:22")
    with pytest.raises(DeclarationError, match="unknown auth"):
        DeclaredInterface.coerce({"name": "x", "port": 1, "auth": "magic"})
    with pytest.raises(DeclarationError, match="bad port"):
        DeclaredInterface.coerce({"name": "x", "port": 70000})
    with pytest.raises(UsageError, match="attempt budget"):
        LiveHost("127.0.0.1", [80], attempt_budget=0)


def test_without_ports_every_tcp_port_and_the_usual_and_declared_udp_ports_are_assessed(
    tmp_path: Path,
) -> None:
    declared = [
        {"name": "api", "port": 48443, "protocol": "https"},
        {"name": "sensor", "port": 56830, "protocol": "coap"},
    ]
    host = LiveHost("127.0.0.1", None, declared)
    assert host.ports == tuple(range(1, 65536))
    assert {161, 1900, 5353, 5683, 56830} <= set(host.udp_ports)
    assert 48443 not in host.udp_ports


def test_ipv6_loopback_host_is_scanned_and_identified() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class V6(ThreadingHTTPServer):
        address_family = socket.AF_INET6
        daemon_threads = True

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    srv = V6(("::1", 0), Page)
    port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        host = LiveHost("::1", [port], timeout=2.0)
        assert host.open_ports() == [port]
        assert host.service(port).service == "http"
        assert host.location(port).host == "::1"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=5)

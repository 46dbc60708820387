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
    "address", ["10.0.0.1", "192.168.1.20", "::ffff:10.0.0.1", "example.com", "2001:db8::1"]
)
def test_non_loopback_addresses_are_refused_with_exit_2(address: str) -> None:
    with pytest.raises(HostAddressError) as err:
        LiveHost(address, [80])
    assert isinstance(err.value, UsageError)
    assert err.value.exit_code == 2
    assert "loopback" in err.value.diagnostics


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.9", "::1", "[::1]", "localhost"])
def test_loopback_addresses_are_accepted(address: str) -> None:
    host = LiveHost(address, "40000-40002")
    assert host.ports == (40000, 40001, 40002)
    assert host.kind is TargetKind.HOST


def test_bad_ports_and_declarations_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="out of range"):
        LiveHost("127.0.0.1", "0-5")
    with pytest.raises(UsageError, match="bad port list"):
        LiveHost("127.0.0.1", "22,http")
    with pytest.raises(DeclarationError, match="unknown auth"):
        DeclaredInterface.coerce({"name": "x", "port": 1, "auth": "magic"})
    with pytest.raises(DeclarationError, match="bad port"):
        DeclaredInterface.coerce({"name": "x", "port": 70000})
    with pytest.raises(UsageError, match="attempt budget"):
        LiveHost("127.0.0.1", [80], attempt_budget=0)


def test_without_ports_the_declared_ones_are_added_to_the_defaults(tmp_path: Path) -> None:
    host = LiveHost("127.0.0.1", None, [{"name": "api", "port": 48443, "protocol": "https"}])
    assert 48443 in host.ports and 22 in host.ports and 2024 not in host.ports


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

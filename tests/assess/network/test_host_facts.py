"""The facts a LiveHost shares between checks: each computed once, each behind its own lock.

Unit tests run on scripted seams (``scripted.py``); the last tests read the same facts from real
HTTP(S) servers on 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

import pytest

from securable.assess.checks.network import CleartextCredentialsCheck, DefaultCredentialsCheck
from securable.assess.targets.host import (
    HttpResponse,
    LiveHost,
    LoginSurface,
    Probe,
    ProbeSet,
    Silent,
    TlsHandshake,
)

from . import peers
from .conftest import STRONG, host_for
from .scripted import (
    LOGIN_FORM,
    SSH_BANNER,
    Banners,
    Http,
    Ports,
    Tls,
    accepts_versions,
    host,
    page,
)

# One host with SSH on 22, HTTPS with a basic-auth API on 8443, plain HTTP with a form on 8080,
# and a TLS-only port (unknown inner protocol) on 9000.
ROUTES = {
    (8443, "/"): page(200, b"<html>device</html>"),
    (8443, "/api/status"): page(401, b"", www_authenticate='Basic realm="device"'),
    (8080, "/"): page(200, LOGIN_FORM),
}


def scripted_host(http: Http | None = None) -> tuple[Ports, Http, LiveHost]:
    ports = Ports({22, 8080, 8443, 9000})
    http = http or Http(dict(ROUTES), not_found_on={8080, 8443})
    tls = Tls({8443: accepts_versions("TLSv1.3"), 9000: accepts_versions("TLSv1.3")})
    probe = ProbeSet(scanner=ports, stream=Banners({22: SSH_BANNER}), tls=tls, http=http)
    return ports, http, host(probe, [22, 8080, 8443, 9000], http_paths=["/api/status"])


def test_every_seam_and_the_assembled_set_satisfy_the_probe_protocol() -> None:
    assert isinstance(ProbeSet(), Probe)
    assert isinstance(Silent(), Probe)


def test_a_seam_left_out_answers_like_a_closed_port() -> None:
    probe = ProbeSet()
    assert probe.scan("127.0.0.1", [22]) == []
    assert probe.exchange("127.0.0.1", 22) is None
    assert probe.tls_handshake("127.0.0.1", 443).accepted is False
    assert probe.http("127.0.0.1", 80, "GET", "/", tls=False) is None
    assert probe.ssh_auth_methods("127.0.0.1", 22, "root") is None
    assert probe.mqtt_connect("127.0.0.1", 1883, tls=False) is None
    assert probe.telnet_login("127.0.0.1", 23, "a", "b") is None


def test_open_ports_are_scanned_once() -> None:
    ports, _, target = scripted_host()
    assert target.open_ports() == [22, 8080, 8443, 9000]
    assert target.open_tcp_ports == (22, 8080, 8443, 9000)
    assert ports.calls == 1


def test_services_by_kind() -> None:
    _, _, target = scripted_host()
    names = {s.port: s.service for s in target.identified_services}
    assert names == {22: "ssh", 8080: "http", 8443: "https", 9000: "tls"}
    assert [s.port for s in target.tls_services] == [8443, 9000]
    assert [s.port for s in target.ssh_services] == [22]
    assert [s.port for s in target.http_services] == [8080, 8443]


def test_login_forms_finds_form_and_basic_auth() -> None:
    _, _, target = scripted_host()
    forms: Mapping[int, LoginSurface] = target.login_forms
    assert {p: (s.kind, s.path) for p, s in forms.items()} == {
        8080: ("form", "/"),
        8443: ("basic", "/api/status"),
    }
    assert forms[8080].form is not None and forms[8080].form.password_field == "password"


def test_login_forms_is_empty_without_an_http_login() -> None:
    http = Http({(8080, "/"): page(200, b"<html>hello</html>")}, not_found_on={8080, 8443})
    _, _, target = scripted_host(http)
    assert dict(target.login_forms) == {}


def test_the_credential_checks_share_one_login_discovery() -> None:
    _, http, target = scripted_host()
    target.services()
    before = len(http.requests)
    list(CleartextCredentialsCheck().evaluate(target))
    discovery = http.requests[before:]
    assert (8080, "GET", "/") in discovery and (8443, "GET", "/api/status") in discovery
    after_first = len(http.requests)
    list(DefaultCredentialsCheck().evaluate(target))
    # the second check only tries logins: no GET of the discovery paths again
    assert [r for r in http.requests[after_first:] if r[1] == "GET" and r[2] == "/"] == []
    assert target.login_forms is target.login_forms  # one object, computed once


# --- a lock per key -----------------------------------------------------------------------------


class SlowHttp:
    """An HTTP seam whose answers wait until the test releases them."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def http(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        tls: bool,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None:
        self.entered.set()
        assert self.release.wait(10), "the test never released the slow HTTP seam"
        return page(200, LOGIN_FORM)


def test_a_slow_memo_key_does_not_block_another_key() -> None:
    target = host(ProbeSet(), [80])
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        assert release.wait(10)
        return "slow"

    worker = threading.Thread(target=lambda: target.memo("a", slow))
    worker.start()
    try:
        assert started.wait(5)
        t0 = time.monotonic()
        assert target.memo("b", lambda: "fast") == "fast"  # would wait for "a" under one host lock
        assert time.monotonic() - t0 < 1.0
    finally:
        release.set()
        worker.join(5)
    assert target.memo("a", lambda: "again") == "slow"  # computed once


def test_slow_login_discovery_does_not_stall_checks_that_need_other_facts() -> None:
    slow = SlowHttp()
    tls = Tls({8443: TlsHandshake(accepted=False, error="no tls")})
    probe = ProbeSet(scanner=Ports({22, 8080}), stream=Banners({22: SSH_BANNER}), tls=tls, http=slow)
    target = host(probe, [22, 8080])
    # Identify first, with the HTTP seam answering at once, so only the login discovery is slow.
    slow.release.set()
    assert {s.service for s in target.services()} == {"ssh", "http"}
    slow.release.clear()
    slow.entered.clear()
    discovering = threading.Thread(target=lambda: target.login_forms)
    discovering.start()
    try:
        assert slow.entered.wait(5), "login discovery did not start"
        t0 = time.monotonic()
        assert [s.port for s in target.ssh_services] == [22]
        assert target.tls_services == ()
        assert target.service(22).service == "ssh"  # another memo key
        assert target.credentials()  # and another
        assert time.monotonic() - t0 < 1.0
    finally:
        slow.release.set()
        discovering.join(10)
    assert 8080 in target.login_forms


def test_one_memo_key_is_computed_once_across_threads() -> None:
    target = host(ProbeSet(), [80])
    calls: list[int] = []
    gate = threading.Barrier(8)

    def compute() -> int:
        calls.append(1)
        time.sleep(0.05)
        return len(calls)

    def ask() -> None:
        gate.wait(5)
        target.memo("k", compute)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert calls == [1]


# --- the same facts from real servers -------------------------------------------------------------


@pytest.mark.integration
def test_login_forms_from_real_http_servers(good_cert: peers.Pem) -> None:
    with (
        peers.http_server(peers.WebApp(form=STRONG)) as form_port,
        peers.http_server(peers.WebApp(basic=STRONG), peers.server_context(good_cert)) as basic_port,
        peers.http_server(peers.WebApp(open_api=True)) as open_port,
    ):
        target = host_for(form_port, basic_port, open_port)
        assert [s.port for s in target.tls_services] == [basic_port]
        assert sorted(s.port for s in target.http_services) == sorted([form_port, basic_port, open_port])
        forms = target.login_forms
        assert {p: s.kind for p, s in forms.items()} == {form_port: "form", basic_port: "basic"}
        assert target.try_http_login(target.service(form_port), forms[form_port], *STRONG) is True
        assert target.try_http_login(target.service(form_port), forms[form_port], "admin", "admin") is False

"""Fast tests of parsing and check logic (scripted probe); each check also runs against real peers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from securable.assess import netscan
from securable.assess.checks.network import (
    DefaultCredentialsCheck,
    SshAlgorithmsCheck,
    TlsVersionsCheck,
)
from securable.assess.checks.network.ssh_algorithms import classify
from securable.assess.credentials import parse_credentials
from securable.assess.model import Verdict
from securable.assess.netclients import (
    find_login_form,
    mqtt_connack_code,
    mqtt_connect_packet,
    strip_telnet_commands,
)
from securable.assess.targets.host import LiveHost, Probe, TlsHandshake, identify
from securable.errors import UsageError

from .fakeprobe import FakeProbe


def fake_host(probe: FakeProbe, **kw: object) -> LiveHost:
    kw.setdefault("credentials", [("admin", "admin"), ("root", "")])
    return LiveHost("127.0.0.1", sorted(probe.open), probe=probe, **kw)  # type: ignore[arg-type]


def test_fake_probe_satisfies_the_protocol() -> None:
    assert isinstance(FakeProbe(), Probe)


@pytest.mark.parametrize(
    ("banner", "service"),
    [
        (b"SSH-2.0-dropbear_2022.83\r\n", "ssh"),
        (b"\xff\xfb\x01\xff\xfb\x03router login: ", "telnet"),
        (b"220 mail ESMTP ready\r\n", "smtp"),
        (b"220 FTP server ready\r\n", "ftp"),
        (b"HELLO some binary protocol", "unknown"),
    ],
)
def test_identify_server_first_banners(banner: bytes, service: str) -> None:
    probe = FakeProbe(open={4000}, banners={4000: banner})
    assert identify(probe, "127.0.0.1", 4000).service == service


def test_identify_mqtt_by_connack() -> None:
    probe = FakeProbe(open={4001}, replies={(4001, mqtt_connect_packet()): b"\x20\x02\x00\x05"})
    info = identify(probe, "127.0.0.1", 4001)
    assert (info.service, info.evidence["connack"]) == ("mqtt", 5)


def test_credentials_stop_at_first_success_and_respect_budget() -> None:
    probe = FakeProbe(open={22}, banners={22: b"SSH-2.0-x\r\n"}, ssh_users={22: {("root", "")}})
    host = fake_host(probe, credentials=[("a", "1"), ("b", "2"), ("root", ""), ("c", "3")], attempt_budget=3)
    findings = list(DefaultCredentialsCheck().evaluate(host))
    assert findings[0].verdict is Verdict.FAIL and findings[0].evidence["blank"] is True
    assert len(probe.calls) == 3


def test_credentials_unanswered_is_inconclusive_and_no_list_is_inconclusive() -> None:
    probe = FakeProbe(open={22}, banners={22: b"SSH-2.0-x\r\n"})  # no SSH answers to logins
    assert [f.verdict for f in DefaultCredentialsCheck().evaluate(fake_host(probe))] == [Verdict.INCONCLUSIVE]
    empty = fake_host(FakeProbe(open={22}, banners={22: b"SSH-2.0-x\r\n"}), credentials=[])
    assert [f.verdict for f in DefaultCredentialsCheck().evaluate(empty)] == [Verdict.INCONCLUSIVE]


def test_tls_versions_inconclusive_when_nothing_negotiates() -> None:
    probe = FakeProbe(open={443}, tls={443: TlsHandshake(accepted=True, version="TLSv1.3")})
    host = fake_host(probe)
    host.service(443)  # identified as TLS with the default handshake
    probe.tls[443] = TlsHandshake(accepted=False, error="handshake failure")
    assert [f.verdict for f in TlsVersionsCheck().evaluate(host)] == [Verdict.INCONCLUSIVE]


def test_ssh_audit_without_result_is_inconclusive() -> None:
    probe = FakeProbe(open={22}, banners={22: b"SSH-2.0-x\r\n"})
    assert [f.verdict for f in SshAlgorithmsCheck().evaluate(fake_host(probe))] == [Verdict.INCONCLUSIVE]


def test_classify_reads_fail_and_warn_notes() -> None:
    report = {
        "kex": [{"algorithm": "diffie-hellman-group1-sha1", "notes": {"fail": ["weak"]}}],
        "mac": [{"algorithm": "umac-64-etm@openssh.com", "notes": {"warn": ["small tag"]}}],
        "enc": ["not-a-mapping"],
    }
    failed, warned = classify(report)
    assert failed == {"kex": ["diffie-hellman-group1-sha1"]}
    assert warned == {"mac": ["umac-64-etm@openssh.com"]}


def test_strip_telnet_commands_refuses_every_option() -> None:
    text, replies = strip_telnet_commands(b"\xff\xfd\x18\xff\xfb\x01\xff\xfa\x18\x01\xff\xf0login: ")
    assert text == b"login: "
    assert replies == b"\xff\xfc\x18\xff\xfe\x01"


def test_mqtt_packet_and_connack() -> None:
    packet = mqtt_connect_packet("id")
    assert packet[0] == 0x10 and packet[1] == len(packet) - 2 and b"MQTT\x04" in packet
    assert mqtt_connack_code(b"\x20\x02\x00\x00") == 0
    assert mqtt_connack_code(b"HTTP/1.1 400") is None


def test_login_form_found_and_absent() -> None:
    form = find_login_form(
        '<form action="/session" method="post"><input type="hidden" name="t" value="1">'
        '<input type="email" name="mail"><input type="password" name="pw"></form>'
    )
    assert form is not None
    assert (form.action, form.method, form.user_field, form.password_field, form.hidden) == (
        "/session",
        "POST",
        "mail",
        "pw",
        {"t": "1"},
    )
    assert find_login_form("<form><input name=q></form>") is None
    assert find_login_form("<form><input type=password") is None  # no name, unusable


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("x.json", '[{"username": "admin", "password": "admin"}, {"user": "root", "password": null}]'),
        ("x.yaml", "credentials:\n  - {username: admin, password: admin}\n  - [root, '']\n"),
        ("x.csv", "username,password\nadmin,admin\nroot,\n"),
        ("x.txt", "# comment\nadmin:admin\nroot:\n"),
    ],
)
def test_credential_list_formats(name: str, text: str) -> None:
    assert parse_credentials(name, text) == [("admin", "admin"), ("root", "")]


def test_parse_ports() -> None:
    assert netscan.parse_ports("22, 80,8000-8002") == [22, 80, 8000, 8001, 8002]
    assert netscan.parse_ports([443, 22, 443]) == [22, 443]
    for bad in ("", "80-22", "x", "1-70000"):
        with pytest.raises(UsageError):
            netscan.parse_ports(bad)


@pytest.mark.integration
def test_sweep_finds_exactly_the_listeners_it_started() -> None:
    listeners = []
    for _ in range(3):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        listeners.append(s)
    ports = sorted(s.getsockname()[1] for s in listeners)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
    closed_port = closed.getsockname()[1]
    try:
        result = netscan.sweep("127.0.0.1", [*ports, closed_port], limit=2, timeout=1.0)
    finally:
        for s in [*listeners, closed]:
            s.close()
    assert result.open_ports == ports
    assert {p.port: p.state for p in result.ports}[closed_port] == "closed"
    with pytest.raises(UsageError):
        netscan.sweep("127.0.0.1", ports, limit=0)


def test_declared_interfaces_from_both_vocabularies() -> None:
    from securable.assess.targets.host import declared_interfaces_from

    manifest = {
        "interfaces": [
            {
                "name": "api",
                "kind": "network",
                "protocol": "https",
                "port": 8443,
                "auth": "user-set-password",
                "enabled_by_default": True,
            },
            {"name": "uart", "kind": "physical"},
        ],
        "services": [{"name": "mdns", "port": 5353, "protocol": "mdns"}, {"name": "cron"}],
    }
    got = declared_interfaces_from(manifest)
    assert [(d.name, d.kind, d.port, d.auth) for d in got] == [
        ("api", "network", 8443, "user-set-password"),
        ("uart", "physical", None, None),
        ("mdns", "service", 5353, None),
    ]
    host = LiveHost("127.0.0.1", [8443, 5353], got, probe=FakeProbe())
    assert host.declared_for(5353, "udp") is not None and host.declared_for(22) is None
    assert host.declared_for(5353) is None, "mDNS is declared over UDP, not TCP"
    kit_export = [
        {
            "name": "ssh",
            "kind": "service",
            "protocol": "ssh",
            "port": 22,
            "auth": "mtls",
            "enabled": False,
            "purpose": "maintenance",
        }
    ]
    kit = LiveHost("127.0.0.1", [22], kit_export, probe=FakeProbe()).declared_for(22)
    assert kit is not None and kit.enabled is False


@pytest.mark.integration
@pytest.mark.skipif(__import__("shutil").which("nmap") is None, reason="nmap is optional and not installed")
def test_nmap_integration_agrees_with_the_sweep() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    try:
        assert netscan.nmap_open_ports("127.0.0.1", [port]) == [port]
    finally:
        s.close()


def test_nmap_absent_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert netscan.nmap_open_ports("127.0.0.1", [40000]) is None


def test_default_credential_file_is_read_from_the_data_folder(tmp_path: Path) -> None:
    from securable.assess.credentials import load_default_credentials

    assert load_default_credentials(tmp_path) == ()  # nothing ships here: the check says inconclusive
    (tmp_path / "default_credentials.yaml").write_text(
        "credentials:\n  - {username: admin, password: admin}\n  - {username: root, password: ''}\n"
    )
    # pairs are de-duplicated; the blank-password pairs added to every list count once more
    assert load_default_credentials(tmp_path) == (("root", ""), ("admin", "admin"), ("admin", ""))


def test_shipped_list_reaches_the_live_check_with_common_pairs_first() -> None:
    from securable.assess.credentials import default_credentials, load_default_credentials

    pairs = load_default_credentials()
    assert len(pairs) > 100 and len(default_credentials()) > 200
    assert ("admin", "admin") in pairs[:10]

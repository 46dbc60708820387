"""Devices on a virtual LAN: real peers in network namespaces, assessed from the root namespace.

Every peer gets a namespace of its own with one address from 198.18.0.0/15 and one from
2001:2::/48; each test checks that the route to its target leaves over the LAN's bridge before
it sends a probe. Where namespaces cannot be made (not root, no iproute2) the whole module is
skipped with one line, and the loopback tests elsewhere still run.
"""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from securable import netlab
from securable.assess.checks.network.coap_access import CoapAccessCheck
from securable.assess.checks.network.mdns_services import MdnsServicesCheck
from securable.assess.checks.network.mqtt_anonymous import MqttAnonymousCheck
from securable.assess.checks.network.open_ports import UndeclaredPortsCheck
from securable.assess.checks.network.snmp_access import SnmpAccessCheck
from securable.assess.checks.network.ssh_auth import SshAuthMethodsCheck
from securable.assess.checks.network.upnp_igd import UpnpIgdControlCheck
from securable.assess.engine import EngineOptions, run_assessment
from securable.assess.model import TargetKind, Verdict

from . import peers
from .lan import REASON, SKIP_LINE, assessed, daemon, peer, snmpd_argv

pytestmark = [pytest.mark.integration, pytest.mark.skipif(REASON is not None, reason=SKIP_LINE)]


@pytest.fixture(scope="module")
def lan() -> Iterator[netlab.VirtualLan]:
    with netlab.VirtualLan() as virtual:
        yield virtual


def verdicts(findings: list) -> list[Verdict]:  # type: ignore[type-arg]
    return [f.verdict for f in findings]


def test_the_route_to_every_lan_address_goes_over_the_bridge_and_nowhere_else(lan: netlab.VirtualLan) -> None:
    host = lan.add_host("route")
    assert ipaddress.ip_address(host.ipv4) in netlab.IPV4_RANGE
    assert ipaddress.ip_address(host.ipv6) in netlab.IPV6_RANGE
    assert ipaddress.ip_address(lan.unused_address()) in lan.subnet_v4
    for address in (host.ipv4, host.ipv6, lan.unused_address()):
        lan.check_route(address)
    with pytest.raises(netlab.LanError, match="not the LAN bridge"):
        lan.check_route("127.0.0.1")


def test_full_sweep_over_ipv6_finds_sshd_and_mosquitto_in_their_namespace(
    lan: netlab.VirtualLan, tmp_path: Path
) -> None:
    ssh_dir = tmp_path / "sshd"
    ssh_dir.mkdir()
    Path("/run/sshd").mkdir(exist_ok=True)
    key = ssh_dir / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    (ssh_dir / "conf").write_text(
        f"Port 2222\nListenAddress ::\nHostKey {key}\nPidFile {ssh_dir / 'pid'}\nUsePAM no\n"
        f"StrictModes no\nAuthorizedKeysFile none\n{peers.HARDENED_SSHD}\n"
    )
    mq = tmp_path / "mosquitto.conf"
    mq.write_text("listener 1883 ::\nallow_anonymous true\npersistence false\nuser root\n")
    with daemon(lan, "sshd", ["/usr/sbin/sshd", "-D", "-f", str(ssh_dir / "conf")], 2222) as dev:
        dev.spawn(["mosquitto", "-c", str(mq)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dev.wait_listening(1883)
        target = assessed(lan, dev.ipv6, "tcp:1-65535")
        assert target.open_ports() == [1883, 2222]
        assert target.answered is True
        ssh = list(SshAuthMethodsCheck().evaluate(target))
        mqtt = list(MqttAnonymousCheck().evaluate(target))
    assert verdicts(ssh) == [Verdict.PASS]
    assert verdicts(mqtt) == [Verdict.FAIL]
    assert any("probed 2001:2:" in n and lan.bridge in n for n in target.notes)


SNMPD = {
    "v2c-public": (
        "rocommunity public default\nrocommunity6 public default\n",
        Verdict.FAIL,
        "community 'public'",
    ),
    "v3-noauth": ("createUser initial\nrouser initial noauth\n", Verdict.FAIL, "noAuthNoPriv"),
    "v3-authpriv": (
        'createUser monitor SHA "lan-test-auth-9f2" AES "lan-test-priv-4k7"\nrouser monitor priv\n',
        Verdict.PASS,
        "requires SNMPv3 authentication",
    ),
}


@pytest.mark.skipif(shutil.which("snmpd") is None, reason="Debian's snmpd is not installed")
@pytest.mark.parametrize("variant", list(SNMPD))
def test_snmp_agents_on_the_lan(lan: netlab.VirtualLan, tmp_path: Path, variant: str) -> None:
    config, expected, message = SNMPD[variant]
    argv, env = snmpd_argv(tmp_path / variant, config)
    with daemon(lan, f"snmp{variant[:6]}", argv, 161, udp=True, env=env) as dev:
        target = assessed(lan, dev.ipv4, "udp:161")
        findings = list(SnmpAccessCheck().evaluate(target))
    assert expected in verdicts(findings), [f.message for f in findings]
    assert any(message in f.message for f in findings), [f.message for f in findings]
    if expected is Verdict.PASS:
        assert Verdict.FAIL not in verdicts(findings)


OPEN_READ = [{"name": "sensor", "kind": "network", "protocol": "coap", "port": 5683, "auth": "none"}]


@pytest.mark.parametrize(("flag", "expected"), [("--writable", Verdict.FAIL), ("--readonly", Verdict.PASS)])
def test_coap_server_on_the_lan(lan: netlab.VirtualLan, flag: str, expected: Verdict) -> None:
    with peer(lan, f"coap{flag[2:6]}", "coap", flag) as dev:
        target = assessed(lan, dev.ipv6, "udp:5683", OPEN_READ)
        findings = list(CoapAccessCheck().evaluate(target))
    assert target.udp_states == {5683: "open"}
    assert expected in verdicts(findings), [f.message for f in findings]
    if expected is Verdict.FAIL:
        assert any("/setpoint accepts a write" in f.message for f in findings)
    else:
        assert Verdict.FAIL not in verdicts(findings)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("--igd-open", Verdict.FAIL), ("--igd-protected", Verdict.PASS), ("--media", Verdict.PASS)],
)
def test_ssdp_responder_on_the_lan(lan: netlab.VirtualLan, mode: str, expected: Verdict) -> None:
    with peer(lan, f"ssdp{mode[2:7]}", "ssdp", mode) as dev:
        target = assessed(lan, dev.ipv4, "udp:1900")
        findings = list(UpnpIgdControlCheck().evaluate(target))
    assert verdicts(findings) == [expected], [f.message for f in findings]
    assert target.upnp_device is not None and target.upnp_device.friendly_name == "LAN test gateway"


def test_mdns_announcements_on_the_lan_are_read_by_unicast(lan: netlab.VirtualLan) -> None:
    declared = [
        {"name": "web", "kind": "network", "protocol": "https", "port": 443, "auth": "user-set-password"}
    ]
    with peer(
        lan, "mdns", "mdns", "Thermostat", "https._tcp:443:sn=ST100-000042,fw=2.4.1", "ssh._tcp:22:"
    ) as dev:
        target = assessed(lan, dev.ipv4, "udp:5353", declared)
        findings = list(MdnsServicesCheck().evaluate(target))
    by_verdict = {f.verdict: f for f in findings}
    assert Verdict.FAIL in by_verdict and "_ssh._tcp" in by_verdict[Verdict.FAIL].message
    assert Verdict.PASS in by_verdict and "_https._tcp" in by_verdict[Verdict.PASS].message
    assert "sn=ST100-000042" in by_verdict[Verdict.MANUAL].message


def test_udp_states_are_honest_open_closed_and_open_filtered(lan: netlab.VirtualLan) -> None:
    with peer(lan, "udpstates", "coap", "--readonly") as dev:
        dev.run(["iptables", "-A", "INPUT", "-p", "udp", "--dport", "5684", "-j", "DROP"])
        target = assessed(lan, dev.ipv4, "udp:5683,5684,9999")
        states = dict(target.udp_states)
    assert states[5683] == "open"  # answered
    assert states[9999] == "closed"  # ICMP port unreachable
    if shutil.which("iptables"):
        assert states[5684] == "open|filtered"  # dropped: nothing came back


def test_a_host_that_does_not_answer_is_given_up_on_and_said_so(lan: netlab.VirtualLan) -> None:
    target = assessed(lan, lan.unused_address(), None, [])
    findings = list(UndeclaredPortsCheck().evaluate(target))
    assert verdicts(findings) == [Verdict.INCONCLUSIVE]
    assert "host did not answer" in findings[0].message
    assert target.sweep_result is not None and target.sweep_result.gave_up
    assert any("did not answer" in n for n in target.notes)


@pytest.mark.skipif(shutil.which("iptables") is None, reason="iptables is not installed (tar-pit peer)")
def test_a_tarpit_accepting_every_port_finishes_and_says_what_it_could_not_tell(
    lan: netlab.VirtualLan,
) -> None:
    with peer(lan, "tarpit", "tarpit", "7") as dev:
        out = dev.run(
            ["iptables", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-j", "REDIRECT", "--to-ports", "7"]
        )
        assert out.returncode == 0, out.stderr
        target = assessed(lan, dev.ipv4, "tcp:1-65535", [], login_attempts=False)
        result = run_assessment({TargetKind.HOST: target}, options=EngineOptions(timeout=60))
    assert target.tarpit
    assert len(target.open_ports()) >= 0.9 * 65535  # a few SYNs may meet a full accept queue
    ports = [f for f in result.findings if f.check == "net.ports.undeclared"]
    assert [f.verdict for f in ports] == [Verdict.INCONCLUSIVE]
    assert "tar-pit" in ports[0].message
    assert not [c.id for c in result.checks if c.status != "ok"], "every check finished in its budget"


@pytest.mark.parametrize("kind", ["silent", "endless"])
def test_silent_and_endless_services_are_identified_within_their_deadline(
    lan: netlab.VirtualLan, kind: str
) -> None:
    with peer(lan, kind, kind, "8081") as dev:
        target = assessed(lan, dev.ipv4, [8081], [], login_attempts=False)
        result = run_assessment({TargetKind.HOST: target}, options=EngineOptions(timeout=60))
    assert target.open_ports() == [8081]
    assert target.service(8081).service in ("unknown", "http")
    assert not [c.id for c in result.checks if c.status != "ok"]


def _names(*argv: str) -> str:
    return subprocess.run(["ip", *argv], capture_output=True, text=True, check=True).stdout


def test_the_lan_is_torn_down_even_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError, match="a test failed here"), netlab.VirtualLan() as doomed:
        host = doomed.add_host("doomed")
        sleeper = host.spawn(["sleep", "300"])
        raise RuntimeError("a test failed here")
    assert sleeper.poll() is not None, "the process inside was stopped"
    assert host.namespace not in _names("netns", "list")
    assert doomed.bridge not in _names("-o", "link") and host.veth not in _names("-o", "link")


def test_the_cli_says_an_absent_host_did_not_answer_and_finishes(
    lan: netlab.VirtualLan, tmp_path: Path
) -> None:
    import json

    from securable._cli import main

    address = lan.unused_address()
    lan.check_route(address)
    try:
        main(["assess", "--host", address, "--out", str(tmp_path), "--format", "json", "--timeout", "60"])
    except SystemExit as exc:
        assert exc.code in (0, 1, None)
    report = json.loads((tmp_path / "report.json").read_text())
    messages = [f["message"] for f in report["findings"] if f["check"] == "net.ports.undeclared"]
    assert any("host did not answer" in m for m in messages), messages
    host = next(t for t in report["targets"] if t["kind"] == "host")
    assert any(lan.bridge in n for n in host["notes"])
    assert all(c["status"] == "ok" for c in report["checks"])

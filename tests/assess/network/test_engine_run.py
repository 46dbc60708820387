"""The network checks run through the engine and registry against a legacy-style host."""

from __future__ import annotations

import pytest

from securable.assess.model import TargetKind, Verdict
from securable.assess.registry import all_checks, checks_for

from . import peers
from .conftest import host_for

pytestmark = pytest.mark.integration


def test_registry_lists_every_network_check_once() -> None:
    ids = [c.id for c in checks_for([TargetKind.HOST])]
    assert len(ids) == len(set(ids)) == 15
    assert all(i.startswith("net.") for i in ids)
    assert all(c.describe() and c.evidences for c in all_checks() if c.target is TargetKind.HOST)


def test_engine_runs_all_network_checks_without_errors(mqtt_anonymous: int) -> None:
    engine = pytest.importorskip("securable.assess.engine")
    with peers.http_server(peers.WebApp(open_api=True)) as http_port, peers.telnet_server() as telnet:
        host = host_for(
            http_port,
            telnet,
            mqtt_anonymous,
            declared=[{"name": "api", "protocol": "http", "port": http_port, "auth": "none"}],
        )
        result = engine.run_assessment({TargetKind.HOST: host}, checks_for([TargetKind.HOST]))
    errors = [f for f in result.findings if f.verdict is Verdict.ERROR]
    assert not errors, errors
    failed = {(f.check, f.location.port) for f in result.findings if f.verdict is Verdict.FAIL and f.location}
    assert ("net.ports.undeclared", telnet) in failed
    assert ("net.ports.undeclared", mqtt_anonymous) in failed
    assert ("net.http.unauthenticated-api", http_port) in failed
    assert ("net.mqtt.anonymous", mqtt_anonymous) in failed
    assert ("net.credentials.default", telnet) in failed
    assert ("net.cleartext.credentials", telnet) in failed
    for f in result.findings:
        if f.location is not None and f.location.port is not None:
            assert f.location.host == "127.0.0.1" and f.location.service

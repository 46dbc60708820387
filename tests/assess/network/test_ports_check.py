"""net.ports.undeclared against real listeners."""

from __future__ import annotations

import pytest

from securable.assess.checks.network import UndeclaredPortsCheck
from securable.assess.model import Verdict

from . import peers
from .conftest import host_for, run

pytestmark = pytest.mark.integration


def test_declared_ports_pass_undeclared_and_disabled_fail() -> None:
    with (
        peers.http_server(peers.WebApp()) as api,
        peers.telnet_server() as shell,
        peers.ftp_banner_server() as ftp,
    ):
        silent = peers.free_port()
        declared: list[dict[str, object]] = [
            {
                "name": "local-api",
                "kind": "network",
                "protocol": "http",
                "port": api,
                "auth": "token",
                "enabled": True,
                "purpose": "app control",
            },
            {"name": "ftp", "kind": "network", "protocol": "ftp", "port": ftp, "enabled": False},
            {"name": "mqtt", "kind": "network", "protocol": "mqtts", "port": silent, "enabled": True},
            {"name": "uart", "kind": "local", "protocol": "serial"},
        ]
        findings = run(UndeclaredPortsCheck, host_for(api, shell, ftp, silent, declared=declared))
    verdicts = {f.location.port: f.verdict for f in findings if f.location}
    assert verdicts == {
        api: Verdict.PASS,
        shell: Verdict.FAIL,
        ftp: Verdict.FAIL,
        silent: Verdict.INCONCLUSIVE,
    }
    fail = next(f for f in findings if f.location and f.location.port == shell)
    assert fail.location is not None and fail.location.service == "telnet"
    assert "nistir8425:IAC-1a" in fail.requirements and "en303645:5.6-1" in fail.requirements


def test_all_ports_declared_passes_and_no_declaration_asks_a_reviewer() -> None:
    with peers.http_server(peers.WebApp()) as api:
        ok = run(
            UndeclaredPortsCheck, host_for(api, declared=[{"name": "api", "port": api, "protocol": "http"}])
        )
        manual = run(UndeclaredPortsCheck, host_for(api))
    assert [f.verdict for f in ok] == [Verdict.PASS]
    assert [f.verdict for f in manual] == [Verdict.MANUAL]

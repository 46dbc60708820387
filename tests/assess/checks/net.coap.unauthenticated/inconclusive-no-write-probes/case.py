"""With --no-login-attempts no write probe is sent, and the check says what it did not learn."""

from __future__ import annotations

from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Coap, ProbeSet, Udp, host

OPEN_READ = [{"name": "sensor", "kind": "network", "protocol": "coap", "port": 5683, "auth": "none"}]


def build(tmp: Path) -> Case:
    coap = Coap({"/setpoint": ("2.05", "2.04")})
    target = host(
        ProbeSet(udp=Udp({5683: "open"}), coap=coap), [], OPEN_READ, udp_ports=[5683], login_attempts=False
    )
    case = Case(target=target)

    def nothing_was_written() -> None:
        assert coap.writes == []

    case.cleanup = nothing_was_written
    return case

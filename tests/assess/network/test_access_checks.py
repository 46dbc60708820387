"""Default credentials, unauthenticated access and cleartext logins against real peers:
mosquitto (anonymous on and off, with and without TLS), HTTP(S) servers, a telnet-style shell."""

from __future__ import annotations

import pytest

from securable.assess.checks.network import (
    CleartextCredentialsCheck,
    DefaultCredentialsCheck,
    HttpUnauthenticatedApiCheck,
    MqttAnonymousCheck,
)
from securable.assess.model import Verdict

from . import peers
from .conftest import STRONG, host_for, run

pytestmark = pytest.mark.integration


def verdicts(findings: list) -> dict[int, Verdict]:  # type: ignore[type-arg]
    return {f.location.port: f.verdict for f in findings if f.location is not None}


# --- MQTT -----------------------------------------------------------------------------------------


def test_mqtt_anonymous_broker_fails_and_closed_broker_passes(
    mqtt_anonymous: int, mqtt_default_password: int
) -> None:
    findings = run(MqttAnonymousCheck, host_for(mqtt_anonymous, mqtt_default_password))
    assert verdicts(findings) == {mqtt_anonymous: Verdict.FAIL, mqtt_default_password: Verdict.PASS}
    assert "Not authorized" in next(f for f in findings if f.verdict is Verdict.PASS).evidence["reason"]


def test_mqtt_default_password_fails_strong_password_over_tls_passes(
    mqtt_default_password: int, mqtts_strong: int
) -> None:
    findings = run(DefaultCredentialsCheck, host_for(mqtt_default_password, mqtts_strong))
    assert verdicts(findings) == {mqtt_default_password: Verdict.FAIL, mqtts_strong: Verdict.PASS}


def test_mqtt_with_credentials_without_tls_is_cleartext(
    mqtt_default_password: int, mqtts_strong: int
) -> None:
    findings = run(CleartextCredentialsCheck, host_for(mqtt_default_password, mqtts_strong))
    assert verdicts(findings) == {mqtt_default_password: Verdict.FAIL, mqtts_strong: Verdict.PASS}


def test_anonymous_broker_is_not_tried_with_passwords(mqtt_anonymous: int) -> None:
    findings = run(DefaultCredentialsCheck, host_for(mqtt_anonymous))
    assert [f.verdict for f in findings] == [Verdict.NOT_APPLICABLE]


# --- HTTP -----------------------------------------------------------------------------------------


def test_open_http_api_fails_protected_api_passes(good_cert: peers.Pem) -> None:
    with (
        peers.http_server(peers.WebApp(open_api=True)) as open_port,
        peers.http_server(peers.WebApp(basic=STRONG), peers.server_context(good_cert)) as basic_port,
        peers.http_server(peers.WebApp()) as forbidden_port,
    ):
        findings = run(HttpUnauthenticatedApiCheck, host_for(open_port, basic_port, forbidden_port))
    assert verdicts(findings) == {
        open_port: Verdict.FAIL,
        basic_port: Verdict.PASS,
        forbidden_port: Verdict.PASS,
    }
    fail = next(f for f in findings if f.verdict is Verdict.FAIL)
    assert "/api/status" in fail.evidence["exposed"]


def test_http_without_any_api_is_inconclusive() -> None:
    with peers.http_server(peers.WebApp()) as port:
        findings = run(HttpUnauthenticatedApiCheck, host_for(port, http_paths=["/nothing-here"]))
    assert [f.verdict for f in findings] == [Verdict.INCONCLUSIVE]


def test_routes_from_an_openapi_document_are_probed() -> None:
    with peers.http_server(peers.WebApp(openapi=True)) as port:
        findings = run(HttpUnauthenticatedApiCheck, host_for(port, http_paths=["/nothing-here"]))
    assert [f.verdict for f in findings] == [Verdict.FAIL]
    assert list(findings[0].evidence["exposed"]) == ["/v2/setpoint"]


def test_mutual_tls_api_passes(good_cert: peers.Pem) -> None:
    ctx = peers.server_context(good_cert, require_client=True)
    with peers.http_server(peers.WebApp(open_api=True), ctx) as port:
        findings = run(HttpUnauthenticatedApiCheck, host_for(port))
    assert [f.verdict for f in findings] == [Verdict.PASS]
    assert findings[0].evidence["client_auth"] is True


def test_http_basic_and_form_default_passwords_fail_strong_ones_pass(good_cert: peers.Pem) -> None:
    tls = peers.server_context(good_cert)
    with (
        peers.http_server(peers.WebApp(basic=("admin", "admin"))) as basic_weak,
        peers.http_server(peers.WebApp(basic=STRONG), tls) as basic_strong,
        peers.http_server(peers.WebApp(form=("admin", "admin"))) as form_weak,
        peers.http_server(peers.WebApp(form=STRONG), tls) as form_strong,
    ):
        findings = run(DefaultCredentialsCheck, host_for(basic_weak, basic_strong, form_weak, form_strong))
    assert verdicts(findings) == {
        basic_weak: Verdict.FAIL,
        basic_strong: Verdict.PASS,
        form_weak: Verdict.FAIL,
        form_strong: Verdict.PASS,
    }
    by_port = {f.location.port: f for f in findings if f.location}
    assert "HTTP form login at /" in by_port[form_weak].message
    assert "HTTP basic login" in by_port[basic_weak].message


def test_http_logins_over_plain_http_are_cleartext(good_cert: peers.Pem) -> None:
    with (
        peers.http_server(peers.WebApp(basic=STRONG)) as plain_basic,
        peers.http_server(peers.WebApp(form=STRONG)) as plain_form,
        peers.http_server(peers.WebApp(form=STRONG), peers.server_context(good_cert)) as tls_form,
        peers.http_server(peers.WebApp(open_api=True)) as no_login,
    ):
        findings = run(CleartextCredentialsCheck, host_for(plain_basic, plain_form, tls_form, no_login))
    assert verdicts(findings) == {
        plain_basic: Verdict.FAIL,
        plain_form: Verdict.FAIL,
        tls_form: Verdict.PASS,
        no_login: Verdict.PASS,
    }


def test_plain_port_declared_with_password_auth_is_cleartext() -> None:
    with peers.http_server(peers.WebApp(open_api=True)) as port:
        declared = [{"name": "api", "protocol": "http", "port": port, "auth": "token"}]
        findings = run(CleartextCredentialsCheck, host_for(port, declared=declared))
    assert [f.verdict for f in findings] == [Verdict.FAIL]


# --- telnet / FTP -----------------------------------------------------------------------------------


def test_telnet_default_password_fails_other_password_passes() -> None:
    with peers.telnet_server("admin", "admin") as weak, peers.telnet_server(*STRONG) as strong:
        findings = run(DefaultCredentialsCheck, host_for(weak, strong))
    assert verdicts(findings) == {weak: Verdict.FAIL, strong: Verdict.PASS}


def test_telnet_and_ftp_are_cleartext_ssh_is_not(sshd_hardened: int) -> None:
    with (
        peers.telnet_server() as telnet,
        peers.telnet_server(open_shell=True) as shell,
        peers.ftp_banner_server() as ftp,
    ):
        findings = run(CleartextCredentialsCheck, host_for(telnet, shell, ftp, sshd_hardened))
    assert verdicts(findings) == {
        telnet: Verdict.FAIL,
        shell: Verdict.FAIL,
        ftp: Verdict.FAIL,
        sshd_hardened: Verdict.PASS,
    }
    assert next(f for f in findings if f.location and f.location.port == shell).severity.value == "critical"


def test_no_login_service_is_not_applicable() -> None:
    with peers.ftp_banner_server() as ftp:
        assert [f.verdict for f in run(DefaultCredentialsCheck, host_for(ftp))] == [Verdict.NOT_APPLICABLE]

"""Services that carry credentials without encryption: telnet, FTP, HTTP logins, MQTT with
authentication but without TLS."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import HostCheck, NotApplicable, Remediation
from securable.assess.checks.network._common import no_open_port
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.host import PASSWORD_AUTH, LiveHost, ServiceInfo


class CleartextCredentialsCheck(HostCheck):
    """No service takes a user name, password or token over an unencrypted connection.

    Anyone on the path — the home network, a compromised router — reads such credentials.
    Telnet and FTP always fail. Plain HTTP fails when it asks for basic/digest authentication
    or shows a login form; plain MQTT fails when the broker requires credentials (anonymous
    brokers fail ``net.mqtt.anonymous`` instead); any cleartext port declared with password or
    token authentication fails. SSH and TLS services pass. Fix by moving the login to TLS or
    SSH and switching the cleartext listener off.
    """

    id = "net.cleartext.credentials"
    title = "Credentials never cross the network in cleartext"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Move every login to TLS or SSH and switch the cleartext listener off "
        "(telnet, FTP, plain HTTP logins, MQTT without TLS).",
        example="# mosquitto.conf: take passwords over TLS only\n"
        "listener 8883\ncertfile /etc/mosquitto/certs/device.crt\nkeyfile /etc/mosquitto/certs/device.key\n"
        "password_file /etc/mosquitto/passwd\n# and no plain 'listener 1883'",
        references=("nistir8425:DP-3", "en303645:5.5-1", "en303645:5.5-7", "cra:I.2.e"),
    )

    def applies(self, target: LiveHost) -> NotApplicable | None:
        return no_open_port(target)

    def run(self, target: LiveHost) -> Iterator[Finding]:
        for svc in target.services():
            loc = target.location(svc.port)
            reason = self._cleartext_reason(target, svc)
            if reason:
                yield self.finding(
                    Verdict.FAIL,
                    f"port {svc.port} ({svc.service}): {reason}",
                    location=loc,
                    evidence={"service": svc.to_json()},
                    severity=Severity.CRITICAL if svc.evidence.get("shell_without_login") else None,
                )
            elif svc.service == "unknown":
                yield self.finding(
                    Verdict.INCONCLUSIVE, f"port {svc.port}: unidentified service, cannot tell", location=loc
                )
            else:
                how = "encrypted" if svc.tls or svc.service == "ssh" else "takes no credentials"
                yield self.finding(Verdict.PASS, f"port {svc.port} ({svc.service}): {how}", location=loc)

    @staticmethod
    def _cleartext_reason(target: LiveHost, svc: ServiceInfo) -> str | None:
        if svc.service == "telnet":
            if svc.evidence.get("shell_without_login"):
                return "telnet offers a shell without login, in cleartext"
            return "telnet sends the login in cleartext"
        if svc.service == "ftp":
            return "FTP sends the login in cleartext"
        if svc.tls or svc.service in ("ssh", "unknown"):
            return None
        if svc.service == "http":
            surface = target.login_forms.get(svc.port)
            if surface is not None:
                return f"HTTP {surface.kind} login at {surface.path} over plain HTTP"
        if svc.service == "mqtt" and svc.evidence.get("connack") in (4, 5):
            return "the broker requires credentials but takes them without TLS"
        declared = target.declared_for(svc.port)
        if declared is not None and (declared.auth in PASSWORD_AUTH or declared.auth == "token"):
            return f"declared with {declared.auth} authentication on an unencrypted port"
        return None

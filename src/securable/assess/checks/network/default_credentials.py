"""Default or blank credentials on login services: SSH, telnet, MQTT, HTTP basic and form login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from securable.assess.check import Remediation
from securable.assess.checks.network._common import ServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost, ServiceInfo

LOGIN_SERVICES = frozenset({"ssh", "telnet", "mqtt", "mqtts", "http", "https"})

Attempt = Callable[[str, str], bool | None]
"""One login attempt: (user, password) → True got in, False refused, None no answer."""


class DefaultCredentialsCheck(ServiceCheck):
    """No login service accepts a well-known default or a blank password.

    The pairs come from the shipped default-credential list (shared with the firmware checks)
    plus blank passwords for ``admin`` and ``root``. At most ``attempt_budget`` pairs are tried
    per service (default 10), one connection each, so that a device with lockout or rate
    limiting is not locked or knocked over. SSH uses paramiko, MQTT paho-mqtt, telnet a
    minimal client of our own; HTTP services are tried where they ask for basic
    authentication or show a login form. A refusal of every pair tried is a pass *for the
    pairs tried* — the evidence says how many. Fix a failure by giving each device a unique
    password at manufacture or forcing the owner to set one before first use.
    """

    id = "net.credentials.default"
    title = "No service accepts default or blank credentials"
    severity = Severity.CRITICAL
    parallel = False  # login attempts run alone, so a small device is not flooded or locked out
    looks_at = "login service (SSH, telnet, MQTT, HTTP)"
    remediation = Remediation(
        summary="Give each unit its own password at manufacture, or make the owner set one before "
        "any service accepts logins; never ship a shared or blank password.",
        example="# at provisioning: a unique random owner password per unit, printed on its label\n"
        "label_password = access_controller.set_initial_credential('owner')\n"
        "# sshd_config\nPermitEmptyPasswords no",
        references=("nistir8425:IAC-1b", "nistir8259a:LA-2", "en303645:5.1-1", "cra:I.2.d"),
    )

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        return svc.service in LOGIN_SERVICES

    def run(self, target: LiveHost) -> Iterator[Finding]:
        if not target.login_attempts:
            for svc in self.chosen(target):
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"port {svc.port} ({svc.service}): login attempts are switched off (--no-login-attempts)",
                    location=target.location(svc.port),
                )
            return
        if not target.credentials() and any(self.serves(target, s) for s in target.services()):
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "no default-credential list is available to try",
                location=Location(host=target.address),
            )
            return
        yield from super().run(target)

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        pairs = target.credentials()[: target.attempt_budget]
        attempt, how = self._attempt_fn(target, svc)
        if attempt is None:
            yield self.finding(
                Verdict.NOT_APPLICABLE, f"port {svc.port} ({svc.service}): {how}", location=loc
            )
            return
        tried = 0
        unanswered = 0
        for user, password in pairs:
            result = attempt(user, password)
            tried += 1
            if result is True:
                blank = password == ""
                yield self.finding(
                    Verdict.FAIL,
                    f"port {svc.port} ({svc.service}) accepts {'a blank' if blank else 'a default'} password"
                    f" for {user!r} ({how})",
                    location=loc,
                    evidence={
                        "username": user,
                        "password": password,
                        "blank": blank,
                        "attempts": tried,
                        "method": how,
                    },
                )
                return
            if result is None:
                unanswered += 1
        ev: dict[str, Any] = {
            "attempts": tried,
            "unanswered": unanswered,
            "method": how,
            "budget": target.attempt_budget,
        }
        if unanswered == tried:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"port {svc.port} ({svc.service}) did not answer login attempts",
                location=loc,
                evidence=ev,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} ({svc.service}) refused all {tried} default/blank pairs tried ({how})",
                location=loc,
                evidence=ev,
            )

    @staticmethod
    def _attempt_fn(target: LiveHost, svc: ServiceInfo) -> tuple[Attempt | None, str]:
        a, p, probe = target.address, svc.port, target.probe
        if svc.service == "ssh":
            methods = probe.ssh_auth_methods(a, p, "root")
            if (
                methods is not None
                and not methods.none_accepted
                and not {"password", "keyboard-interactive"} & set(methods.methods)
            ):
                return None, f"SSH offers no password login ({', '.join(methods.methods)})"
            return (lambda u, pw: probe.ssh_login(a, p, u, pw)), "ssh password"
        if svc.service == "telnet":
            if svc.evidence.get("shell_without_login"):
                return None, "a shell is offered without any login (see net.cleartext.credentials)"

            def telnet(u: str, pw: str) -> bool | None:
                out = probe.telnet_login(a, p, u, pw)
                return None if out is None or out == "no-login" else out in ("accepted", "open-shell")

            return telnet, "telnet login"
        if svc.service in ("mqtt", "mqtts"):
            if svc.evidence.get("connack") == 0:
                return None, "broker accepts anonymous clients (see net.mqtt.anonymous)"

            def mqtt(u: str, pw: str) -> bool | None:
                out = probe.mqtt_connect(a, p, tls=svc.tls, username=u, password=pw)
                return None if out is None else out.accepted

            return mqtt, "mqtt connect"
        surface = target.login_forms.get(svc.port)
        if surface is None:
            return None, "no HTTP login found at /, /login or the probed API paths"
        if surface.kind == "digest":
            return None, f"HTTP digest authentication at {surface.path} is not tried"
        return (
            lambda u, pw: target.try_http_login(svc, surface, u, pw)
        ), f"HTTP {surface.kind} login at {surface.path}"

"""SSH authentication methods offered, compared with the declared authentication."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.network._common import SshServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import KEY_ONLY_AUTH, LiveHost, ServiceInfo

PROBE_USER = "root"
SECRET_METHODS = frozenset({"password", "keyboard-interactive"})


class SshAuthMethodsCheck(SshServiceCheck):
    """Every SSH service requires authentication, and offers password logins only where the
    declaration says the interface uses passwords.

    The probe asks the server for the methods it allows (an SSH ``none`` request, as any client
    does first). A server that accepts ``none`` lets anyone in. A server declared as
    key/certificate-only that still offers password or keyboard-interactive logins is open to
    password guessing the manufacturer did not plan for. Fix with ``PasswordAuthentication no``
    and ``KbdInteractiveAuthentication no``, or correct the declaration.
    """

    id = "net.ssh.auth-methods"
    title = "SSH requires authentication with the declared methods"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Require authentication on every SSH service, and switch password logins off "
        "where the interface is declared key- or certificate-only (or correct the declaration).",
        example="# sshd_config\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitEmptyPasswords no\nAuthenticationMethods publickey",
        references=("nistir8425:IAC-1b", "nistir8259a:LA-2", "en303645:5.5-4", "cra:I.2.d"),
    )

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        methods = target.probe.ssh_auth_methods(target.address, svc.port, PROBE_USER)
        if methods is None:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"port {svc.port}: could not ask for authentication methods",
                location=loc,
            )
            return
        declared = target.declared_for(svc.port)
        ev = {"methods": list(methods.methods), "declared_auth": declared.auth if declared else None}
        offered_secrets = sorted(SECRET_METHODS & set(methods.methods))
        if methods.none_accepted:
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} lets {PROBE_USER!r} in without any authentication",
                location=loc,
                evidence=ev,
                severity=Severity.CRITICAL,
            )
        elif declared is not None and declared.auth in KEY_ONLY_AUTH and offered_secrets:
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} is declared {declared.auth}-only, offers {', '.join(offered_secrets)}",
                location=loc,
                evidence=ev,
                severity=Severity.MEDIUM,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} requires authentication ({', '.join(methods.methods)})",
                location=loc,
                evidence=ev,
            )

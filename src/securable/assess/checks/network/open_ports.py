"""Open TCP ports compared with the declared interfaces."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import HostCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost


class UndeclaredPortsCheck(HostCheck):
    """Every open TCP port must belong to an interface the manufacturer declared as enabled.

    A listening port nobody declared is attack surface nobody maintains: a forgotten debug
    service, a development shell, a vendor backdoor. The check connects to each assessed port
    (connect scan, nothing sent) and compares the open ones with ``interfaces:`` of the product
    declaration. Fix a failure by disabling the service in the product, or — if it is needed —
    declaring it with its protocol, authentication and purpose. Declared-but-disabled interfaces
    that listen fail too; declared interfaces that do not listen are reported as inconclusive.
    """

    id = "net.ports.undeclared"
    title = "Only declared network interfaces are open"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Switch off every service the product does not need; declare the ones it needs "
        "in product.yaml with protocol, port, authentication and purpose.",
        example="# product.yaml\ninterfaces:\n  - name: local HTTPS API\n    kind: network\n"
        "    protocol: https\n    port: 8443\n    auth: user-set-password\n    purpose: owner app",
        references=("nistir8425:IAC-1a", "en303645:5.6-1", "en303645:5.6-5", "cra:I.2.j"),
    )

    def run(self, target: LiveHost) -> Iterator[Finding]:
        open_ports = target.open_ports()
        scanned = {"ports_scanned": len(target.ports)}
        if target.declared is None:
            for port in open_ports:
                svc = target.service(port)
                yield self.finding(
                    Verdict.MANUAL,
                    f"port {port} ({svc.service}) is open; no declaration to compare it with",
                    location=target.location(port),
                    evidence={**scanned, "service": svc.to_json()},
                )
            if not open_ports:
                yield self.finding(
                    Verdict.PASS,
                    f"no open TCP port among the {len(target.ports)} assessed",
                    location=Location(host=target.address),
                    evidence=scanned,
                )
            return
        for port in open_ports:
            declared = target.declared_for(port)
            svc = target.service(port)
            if declared is None:
                yield self.finding(
                    Verdict.FAIL,
                    f"port {port} ({svc.service}) is open but no declared interface uses it",
                    location=target.location(port),
                    evidence={**scanned, "service": svc.to_json()},
                )
            elif not declared.enabled:
                yield self.finding(
                    Verdict.FAIL,
                    f"port {port} ({svc.service}) is open but {declared.name!r} is declared disabled",
                    location=target.location(port),
                    evidence={**scanned, "declared": declared.to_json(), "service": svc.to_json()},
                )
            else:
                yield self.finding(
                    Verdict.PASS,
                    f"port {port} ({svc.service}) is declared as interface {declared.name!r}",
                    location=target.location(port),
                    evidence={"declared": declared.to_json(), "service": svc.to_json()},
                )
        for declared in target.declared:
            if (
                declared.kind in ("network", "service")
                and declared.enabled
                and declared.port is not None
                and declared.port in target.ports
                and declared.port not in open_ports
            ):
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"declared interface {declared.name!r} (port {declared.port}) is not listening",
                    location=Location(host=target.address, port=declared.port, service=declared.protocol),
                    evidence={"declared": declared.to_json()},
                )
        if not open_ports and not any(d.port in target.ports for d in target.declared):
            yield self.finding(
                Verdict.PASS,
                f"no open TCP port among the {len(target.ports)} assessed",
                location=Location(host=target.address),
                evidence=scanned,
            )

"""What answers on each open port, compared with the declared protocol."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import HostCheck, NotApplicable, Remediation
from securable.assess.checks.network._common import no_open_port, protocol_matches
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.host import LiveHost


class ServiceIdentityCheck(HostCheck):
    """Each open port is identified (SSH, telnet, FTP, HTTP, HTTPS, MQTT, MQTT over TLS, other
    TLS) from its banner and a few harmless requests, and compared with the protocol declared
    for that port.

    A port declared as ``https`` that speaks plain HTTP, or one declared as ``mqtts`` that takes
    MQTT without TLS, means the declaration — and every conclusion drawn from it — is wrong.
    Fix the product or the declaration. Ports whose service cannot be named are inconclusive.
    """

    id = "net.service.identity"
    title = "Services on open ports match the declared protocols"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Make the declaration say what the port speaks, or make the port speak what is "
        "declared (e.g. serve the API over TLS when it is declared https).",
        example="# product.yaml: the port answers MQTT over TLS\ninterfaces:\n  - name: telemetry\n"
        "    protocol: mqtts\n    port: 8883",
        references=("nistir8425:IAC-1a", "en303645:5.6-1", "cra:I.2.j"),
    )

    def applies(self, target: LiveHost) -> NotApplicable | None:
        return no_open_port(target)

    def run(self, target: LiveHost) -> Iterator[Finding]:
        for svc in target.services():
            loc = target.location(svc.port)
            declared = target.declared_for(svc.port)
            ev = {"service": svc.to_json(), **({"declared": declared.to_json()} if declared else {})}
            if svc.service == "unknown":
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"port {svc.port}: the service could not be identified",
                    location=loc,
                    evidence=ev,
                )
                continue
            match = None if declared is None else protocol_matches(svc, declared)
            if declared is not None and match is False:
                yield self.finding(
                    Verdict.FAIL,
                    f"port {svc.port} speaks {svc.service} but is declared as {declared.protocol}",
                    location=loc,
                    evidence=ev,
                )
            else:
                note = "" if match else " (no declared protocol to compare with)"
                yield self.finding(
                    Verdict.PASS, f"port {svc.port} speaks {svc.service}{note}", location=loc, evidence=ev
                )

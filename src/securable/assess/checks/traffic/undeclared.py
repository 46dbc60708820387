"""``traffic.connections.undeclared``: the component connects only where the declaration says."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import Remediation
from securable.assess.checks.traffic._common import TrafficCheck, declared_for, where
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.mud import build_mud, permits
from securable.assess.observe import ObservedTraffic


class UndeclaredConnectionCheck(TrafficCheck):
    """Every outbound connection the component opened during the watch window must be one of
    the declaration's ``connections`` from it (same transport, port and, where declared, address).

    An undeclared connection is a transmission between components, or to a party outside the
    product, that the manufacturer has not authorized (NIST IR 8425 IAC-2b), and shows the
    component's settings send it somewhere the product's configuration does not name (PC-3:
    settings applied to the right components). With nothing observed there is nothing to judge:
    ``inconclusive``, never a pass.
    """

    id = "traffic.connections.undeclared"
    title = "The component connects only to declared components"
    severity = Severity.HIGH
    remediation = Remediation(
        "remove the connection from the firmware or its configuration, or declare it under "
        "connections: in product.yaml (from, to, protocol, port, protection, authentication)",
        example="connections:\n  - {from: thermostat, to: telemetry broker, protocol: mqtt, port: 8883,"
        " protection: mutual-tls, authentication: certificate}",
    )

    def run(self, target: ObservedTraffic) -> Iterable[Finding]:
        decl = self.declaration
        assert decl is not None  # applies() checked it
        declared = self.declared_from(target)
        if not target.connections:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{target.component} opened no outbound connection in {target.seconds:.1f} s of watching",
                location=Location(service="traffic"),
                evidence={"seconds": round(target.seconds, 2), "methods": list(target.methods)},
            )
            return
        mud = build_mud(decl, device=target.component)
        verdict_of = {True: "permitted", False: "denied", None: "needs a DNS answer"}
        for observed in target.connections:
            match = declared_for(observed, declared, decl)
            evidence = {
                "observed": observed.to_json(),
                "methods": list(target.methods),
                "mud": verdict_of[permits(mud, observed)],  # what the product's MUD file says
            }
            if match is None:
                yield self.finding(
                    Verdict.FAIL,
                    f"{target.component} connected to {observed.endpoint} "
                    f"({'/'.join(observed.protocols)}), which no declared connection names",
                    location=where(observed),
                    evidence=evidence,
                )
            else:
                yield self.finding(
                    Verdict.PASS,
                    f"{target.component} → {observed.endpoint} is the declared connection {match.label}",
                    location=where(observed),
                    evidence={**evidence, "connection": match.label},
                )

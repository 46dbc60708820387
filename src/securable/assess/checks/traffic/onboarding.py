"""``traffic.connections.onboarding``: each declared connection comes up protected at first start."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import NotApplicable, Remediation
from securable.assess.checks.traffic._common import TrafficCheck, matches
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.observe import ObservedTraffic


class OnboardingConnectionCheck(TrafficCheck):
    """Watching a component from its first start covers its onboarding: the first time it joins
    the other components. For each connection the declaration says the component opens:

    * seen, and every connection to it was authenticated as declared (TLS/DTLS/SSH, or content
      signed end to end) → ``pass``: access control held from the first connection on, and held
      on every reconnection seen in the window (NIST IR 8425 IAC-2c);
    * seen in plaintext where authentication was declared, or declared without authentication
      → ``fail``;
    * never seen → ``inconclusive``: the window may have been too short, or the declaration
      names a connection the component does not make. Watch longer, or correct the declaration.
    """

    id = "traffic.connections.onboarding"
    title = "Declared connections keep access control from the first connection on"
    severity = Severity.MEDIUM
    remediation = Remediation(
        "authenticate the connection from the first start (certificate or token provisioned at "
        "the factory, TLS with the peer verified) and on every reconnection",
    )

    def applies(self, target: ObservedTraffic) -> NotApplicable | None:
        absent = super().applies(target)
        if absent is not None:
            return absent
        if not self.declared_from(target):
            return NotApplicable(f"the declaration names no connection that {target.component} opens")
        return None

    def run(self, target: ObservedTraffic) -> Iterable[Finding]:
        decl = self.declaration
        assert decl is not None
        for connection in self.declared_from(target):
            peer = decl.component(connection.target)
            seen = [o for o in target.connections if matches(connection, peer, o)]
            field = Location(field=f"connections[{connection.label}]")
            evidence = {
                "connection": connection.label,
                "authentication": connection.authentication or "(not declared)",
                "protection": connection.protection or "(not declared)",
                "observed": [o.to_json() for o in seen],
                "seconds": round(target.seconds, 2),
            }
            if not seen:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{connection.label} is declared but was not seen in {target.seconds:.1f} s of watching",
                    location=field,
                    evidence=evidence,
                )
                continue
            count = sum(o.count for o in seen)
            if connection.authentication in ("", "none"):
                yield self.finding(
                    Verdict.FAIL,
                    f"{connection.label} carries no declared authentication: any peer can join it",
                    location=field,
                    evidence=evidence,
                )
            elif any(o.encrypted is False for o in seen) and connection.protection != "signed":
                yield self.finding(
                    Verdict.FAIL,
                    f"{connection.label} came up in plaintext ({'/'.join(seen[0].protocols)}) although "
                    f"'{connection.authentication}' authentication is declared",
                    location=field,
                    evidence=evidence,
                )
            elif connection.protection == "signed" or all(o.encrypted for o in seen):
                yield self.finding(
                    Verdict.PASS,
                    f"{connection.label} came up {count} time(s), each {connection.protection} with "
                    f"{connection.authentication} authentication",
                    location=field,
                    evidence=evidence,
                )
            else:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{connection.label} was seen, but whether it was authenticated could not be told",
                    location=field,
                    evidence=evidence,
                )

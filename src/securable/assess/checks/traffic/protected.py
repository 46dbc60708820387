"""``traffic.connections.protected``: a connection declared as TLS is TLS on the wire."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import NotApplicable, Remediation
from securable.assess.checks.traffic._common import TrafficCheck, declared_for, where
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.observe import ObservedTraffic


class ProtectedConnectionCheck(TrafficCheck):
    """For each observed connection that matches a declared one, the protocol actually spoken
    (from the first bytes of each captured flow) must agree with the declared ``protection``:
    ``tls``/``mutual-tls``/``dtls``/``ssh`` must show that handshake; a known plaintext protocol
    (HTTP, MQTT, CoAP, telnet) there fails. A connection declared ``signed`` (content signed end
    to end, e.g. TUF metadata over HTTP) passes over plaintext, and the finding says it is not
    encrypted. ``none`` on a connection that carries data fails: the data is unprotected in
    transit (DP-3) and nothing validates what the peer sends (IAC-2a). Without a packet capture
    the protocol is unknown and the finding is ``inconclusive``.
    """

    id = "traffic.connections.protected"
    title = "Connections between components are protected as declared"
    severity = Severity.HIGH
    remediation = Remediation(
        "speak TLS (or DTLS) on the connection, with the peer's certificate verified, as the "
        "declaration says; or correct the declaration",
    )

    def applies(self, target: ObservedTraffic) -> NotApplicable | None:
        absent = super().applies(target)
        if absent is not None:
            return absent
        if not self.declared_from(target) or not target.connections:
            return NotApplicable(
                f"no observed connection of {target.component} to compare with a declared one"
            )
        return None

    def run(self, target: ObservedTraffic) -> Iterable[Finding]:
        decl = self.declaration
        assert decl is not None
        compared = 0
        for observed in target.connections:
            match = declared_for(observed, self.declared_from(target), decl)
            if match is None:
                continue  # traffic.connections.undeclared reports it
            compared += 1
            evidence = {
                "connection": match.label,
                "declared_protection": match.protection or "(not declared)",
                "observed": observed.to_json(),
            }
            spoken = "/".join(observed.protocols)
            encrypted = observed.encrypted
            if match.protection == "none" or not match.protection:
                verdict = Verdict.FAIL if match.data or match.protection == "none" else Verdict.INCONCLUSIVE
                yield self.finding(
                    verdict,
                    f"{match.label} is declared with protection '{match.protection or 'not given'}' "
                    f"and was seen as {spoken}",
                    location=where(observed),
                    evidence=evidence,
                )
            elif match.protection == "signed":
                if encrypted is None and observed.protocols == ("unknown",):
                    verdict, note = Verdict.INCONCLUSIVE, "its protocol could not be seen"
                else:
                    verdict, note = (
                        Verdict.PASS,
                        "integrity by content signature; the channel is not encrypted",
                    )
                yield self.finding(
                    verdict,
                    f"{match.label} is declared 'signed' and was seen as {spoken}: {note}",
                    location=where(observed),
                    evidence=evidence,
                )
            elif encrypted is False:
                yield self.finding(
                    Verdict.FAIL,
                    f"{match.label} is declared '{match.protection}' but the component spoke {spoken} "
                    "in plaintext",
                    location=where(observed),
                    evidence=evidence,
                )
            elif encrypted is True:
                yield self.finding(
                    Verdict.PASS,
                    f"{match.label} is declared '{match.protection}' and was seen as {spoken}",
                    location=where(observed),
                    evidence=evidence,
                )
            else:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{match.label} was seen, but its protocol could not be told ({spoken}; "
                    f"watched by {', '.join(target.methods)})",
                    location=where(observed),
                    evidence=evidence,
                )
        if not compared:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"none of the {len(target.connections)} observed connection(s) of {target.component} "
                "matches a declared one",
                evidence={"observed": [o.to_json() for o in target.connections]},
            )

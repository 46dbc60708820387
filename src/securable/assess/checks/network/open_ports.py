"""Open TCP ports compared with the declared interfaces."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import HostCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost


class UndeclaredPortsCheck(HostCheck):
    """Every open TCP or UDP port must belong to an interface the manufacturer declared as enabled.

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
        scanned = {"ports_scanned": len(target.ports), "udp_ports_scanned": len(target.udp_ports)}
        here = Location(host=target.address)
        if target.answered is False:
            sweep = target.sweep_result
            skipped = 0 if sweep is None else sweep.count("not-probed")
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "host did not answer: no TCP port connected or refused, no UDP port replied"
                + (f"; the other {skipped} ports were not probed" if skipped else ""),
                location=here,
                evidence={**scanned, "not_probed": skipped},
            )
            return
        if target.tarpit:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"host accepts a connection on {len(open_ports)} of {len(target.ports)} TCP ports "
                "(a tar-pit or a firewall answering for it): which services really listen cannot be "
                f"told; only {len(target.assessable_ports)} declared or usual service ports were identified",
                location=here,
                evidence={**scanned, "open": len(open_ports)},
            )
            return
        yield from self._udp(target)
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
                and declared.transport == "tcp"
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
        if not open_ports and not any(
            d.port in target.ports for d in target.declared if d.transport == "tcp"
        ):
            yield self.finding(
                Verdict.PASS,
                f"no open TCP port among the {len(target.ports)} assessed",
                location=Location(host=target.address),
                evidence=scanned,
            )

    def _udp(self, target: LiveHost) -> Iterator[Finding]:
        for port, state in sorted(target.udp_states.items()):
            declared = target.declared_for(port, "udp")
            where = Location(host=target.address, port=port, service=f"udp/{port}")
            if state == "open":
                if target.declared is None:
                    yield self.finding(
                        Verdict.MANUAL,
                        f"UDP port {port} answers; no declaration to compare it with",
                        location=where,
                    )
                elif declared is None or not declared.enabled:
                    why = "no declared interface uses it" if declared is None else "it is declared disabled"
                    yield self.finding(
                        Verdict.FAIL,
                        f"UDP port {port} answers but {why}",
                        location=where,
                        evidence={"udp_state": state},
                    )
                else:
                    yield self.finding(
                        Verdict.PASS,
                        f"UDP port {port} is declared as interface {declared.name!r}",
                        location=where,
                        evidence={"declared": declared.to_json(), "udp_state": state},
                    )
            elif state == "closed" and declared is not None and declared.enabled:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"declared interface {declared.name!r} (UDP port {port}) is closed",
                    location=where,
                    evidence={"declared": declared.to_json(), "udp_state": state},
                )

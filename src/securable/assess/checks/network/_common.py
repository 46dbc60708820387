"""Shared vocabulary of the network checks: protocol names and the per-service check base."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from securable.assess.check import HostCheck, NotApplicable
from securable.assess.model import Finding, Location
from securable.assess.targets.host import DeclaredInterface, LiveHost, ServiceInfo

# Observed service name -> declared protocol names that describe it correctly.
PROTOCOL_MATCHES: dict[str, frozenset[str]] = {
    "ssh": frozenset({"ssh", "sftp", "scp"}),
    "telnet": frozenset({"telnet"}),
    "ftp": frozenset({"ftp"}),
    "smtp": frozenset({"smtp"}),
    "http": frozenset({"http"}),
    "https": frozenset({"https", "http+tls", "http/tls", "tls", "rest+tls"}),
    "mqtt": frozenset({"mqtt"}),
    "mqtts": frozenset({"mqtts", "mqtt+tls", "mqtt/tls", "secure-mqtt", "tls"}),
}


def protocol_matches(observed: ServiceInfo, declared: DeclaredInterface) -> bool | None:
    """Does the declared protocol describe what answers on the port? None when undecidable."""
    if declared.protocol is None or observed.service == "unknown":
        return None
    name = declared.protocol.lower()
    if observed.service == "tls":
        # TLS whose inner protocol we could not read (e.g. mutual TLS): any TLS-based name fits.
        return name.endswith("s") or "tls" in name
    return name in PROTOCOL_MATCHES.get(observed.service, frozenset({observed.service}))


def no_open_port(target: LiveHost) -> NotApplicable | None:
    """``applies()`` of a check that looks at every open service: not applicable without one."""
    if target.services():
        return None
    return NotApplicable("no open port to assess", location=Location(host=target.address))


def udp_service_absent(target: LiveHost, port: int, service: str) -> NotApplicable | None:
    """``applies()`` of a check of one UDP service: not applicable when its port is not assessed,
    is closed, or the host answered nothing at all (then every probe would only wait)."""
    here = Location(host=target.address)
    state = target.udp_state(port)
    if state is None:
        return NotApplicable(f"UDP port {port} ({service}) is not assessed", location=here)
    if state == "closed":
        return NotApplicable(f"UDP port {port} ({service}) is closed", location=here)
    if target.answered is False:
        return NotApplicable(f"host did not answer; {service} on UDP port {port} not asked", location=here)
    return None


class ServiceCheck(HostCheck):
    """A network check that looks at each open service of one sort in turn.

    Subclasses say which services they look at (:meth:`serves`, or :meth:`chosen` where the
    host has the list as a fact) and what they conclude about one (:meth:`check_service`); a
    host with none of them gets one ``not_applicable`` finding from :meth:`applies`.
    """

    looks_at: ClassVar[str]  # "TLS service", for the not-applicable message

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        raise NotImplementedError

    def chosen(self, target: LiveHost) -> Sequence[ServiceInfo]:
        return [s for s in target.services() if self.serves(target, s)]

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        raise NotImplementedError

    def applies(self, target: LiveHost) -> NotApplicable | None:
        if self.chosen(target):
            return None
        return NotApplicable(
            f"no {self.looks_at} among the open ports", location=Location(host=target.address)
        )

    def run(self, target: LiveHost) -> Iterator[Finding]:
        for svc in self.chosen(target):
            yield from self.check_service(target, svc, target.location(svc.port))


class TlsServiceCheck(ServiceCheck):
    """A check of every service that speaks TLS (HTTPS, MQTT over TLS, other TLS)."""

    looks_at = "TLS service"

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        return svc.tls

    def chosen(self, target: LiveHost) -> Sequence[ServiceInfo]:
        return target.tls_services


class SshServiceCheck(ServiceCheck):
    """A check of every SSH service."""

    looks_at = "SSH service"

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        return svc.service == "ssh"

    def chosen(self, target: LiveHost) -> Sequence[ServiceInfo]:
        return target.ssh_services

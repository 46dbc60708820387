"""Shared vocabulary of the network checks: requirement IDs, protocol names, small helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from securable.assess.check import HostCheck, NotApplicable
from securable.assess.model import Finding, Location
from securable.assess.targets.host import DeclaredInterface, LiveHost, ServiceInfo

# Requirement groups, cited by several checks.
ATTACK_SURFACE = ("nistir8425:IAC-1a", "nistir8259a:LA-1", "en303645:5.6-1", "en303645:5.6-5", "cra:I.2.j")
ACCESS_CONTROL = ("nistir8425:IAC-1b", "nistir8259a:LA-1", "en303645:5.5-4", "cra:I.2.d")
DEFAULT_PASSWORDS = ("nistir8425:IAC-1b", "nistir8259a:LA-1", "en303645:5.1-1", "cra:I.2.d")
TRANSPORT_CRYPTO = ("nistir8425:DP-3", "en303645:5.5-1", "cra:I.2.e")
SECRETS_IN_TRANSIT = ("nistir8425:DP-3", "en303645:5.5-1", "en303645:5.5-7", "cra:I.2.e")

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

CLEARTEXT_SERVICES = frozenset({"telnet", "ftp", "http", "mqtt", "smtp"})


def protocol_matches(observed: ServiceInfo, declared: DeclaredInterface) -> bool | None:
    """Does the declared protocol describe what answers on the port? None when undecidable."""
    if declared.protocol is None or observed.service == "unknown":
        return None
    name = declared.protocol.lower()
    if observed.service == "tls":
        # TLS whose inner protocol we could not read (e.g. mutual TLS): any TLS-based name fits.
        return name.endswith("s") or "tls" in name
    return name in PROTOCOL_MATCHES.get(observed.service, frozenset({observed.service}))


class ServiceCheck(HostCheck):
    """A network check that looks at each open service of one sort in turn.

    Subclasses say which services they look at (:meth:`serves`) and what they conclude about one
    (:meth:`check_service`); a host with none of them gets one ``not_applicable`` finding.
    """

    looks_at: ClassVar[str]  # "TLS service", for the not-applicable message

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        raise NotImplementedError

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        raise NotImplementedError

    def applies(self, target: LiveHost) -> NotApplicable | None:
        if any(self.serves(target, s) for s in target.services()):
            return None
        return NotApplicable(
            f"no {self.looks_at} among the open ports", location=Location(host=target.address)
        )

    def run(self, target: LiveHost) -> Iterator[Finding]:
        chosen = [s for s in target.services() if self.serves(target, s)]
        for svc in chosen:
            yield from self.check_service(target, svc, target.location(svc.port))


class TlsServiceCheck(ServiceCheck):
    """A check of every service that speaks TLS (HTTPS, MQTT over TLS, other TLS)."""

    looks_at = "TLS service"

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        return svc.tls


class SshServiceCheck(ServiceCheck):
    """A check of every SSH service."""

    looks_at = "SSH service"

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        return svc.service == "ssh"

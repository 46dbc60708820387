"""UPnP Internet Gateway Device control that anyone on the LAN can use."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import HostCheck, NotApplicable, Remediation
from securable.assess.checks.network._common import udp_service_absent
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost
from securable.assess.targets.host.upnp import igd_control_answer

SSDP_PORT = 1900


class UpnpIgdControlCheck(HostCheck):
    """A UPnP Internet Gateway Device does not take port-mapping orders from anyone on the LAN.

    A device that answers SSDP and offers WANIPConnection or WANPPPConnection lets any program
    on the local network open ports towards the Internet through AddPortMapping — malware on
    one laptop exposes every camera behind the router. The check sends a unicast M-SEARCH to
    the device's UDP port 1900 (never to the multicast group), fetches the device description it
    points to (only from the device itself), lists its services, and asks each IGD control URL
    the read-only ``GetExternalIPAddress`` action — the endpoint that takes AddPortMapping —
    without credentials. An answer fails; a refusal (401, 403, UPnP error 606) passes; a
    description without IGD services passes. SSDP answered on the WAN side is out of scope:
    the assessor sits on the LAN, and cannot see the device's Internet side.
    """

    id = "net.upnp.igd-control"
    title = "UPnP port-mapping control requires authorization"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Switch UPnP IGD off by default, or restrict AddPortMapping to authorized clients "
        "(UPnP Device Protection) and never answer SSDP on the WAN interface.",
        example="# miniupnpd.conf\nenable_upnp=no\n# or: secure_mode=yes and allow/deny rules per client",
        references=("nistir8425:IAC-1b", "en303645:5.5-4", "cra:I.2.d"),
    )

    def applies(self, target: LiveHost) -> NotApplicable | None:
        absent = udp_service_absent(target, SSDP_PORT, "SSDP")
        if absent is not None:
            return absent
        if target.upnp_device is None:
            here = Location(host=target.address)
            return NotApplicable("the device does not answer SSDP M-SEARCH on UDP port 1900", location=here)
        return None

    def run(self, target: LiveHost) -> Iterator[Finding]:
        device = target.upnp_device
        assert device is not None
        where = Location(host=target.address, port=SSDP_PORT, service="ssdp")
        evidence = {"device": device.to_json(), "wan_side": "out of scope: probed from the LAN only"}
        if not device.description_fetched or device.note:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"the device answers SSDP, but {device.note or 'its description could not be read'}",
                location=where,
                evidence=evidence,
            )
            return
        igd = [s for s in device.services if s.igd]
        if not igd:
            yield self.finding(
                Verdict.PASS,
                f"UPnP device {device.friendly_name or device.location!r} offers no Internet Gateway "
                f"port-mapping service ({len(device.services)} services listed)",
                location=where,
                evidence=evidence,
            )
            return
        for service in igd:
            answer = igd_control_answer(target.probe, target.address, service)
            ev = {**evidence, "service": service.service_type, "control_url": service.control_url}
            if isinstance(answer, str) or answer is None:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{service.service_type}: {answer or 'the control URL did not answer'}",
                    location=where,
                    evidence=ev,
                )
            elif answer.status == 200:
                yield self.finding(
                    Verdict.FAIL,
                    f"IGD control URL {service.control_url} answers without authentication: any host on "
                    "the LAN can add port mappings (AddPortMapping) through it",
                    location=where,
                    evidence={**ev, "status": answer.status},
                )
            elif answer.status in (401, 403) or b"<errorCode>606</errorCode>" in answer.body:
                yield self.finding(
                    Verdict.PASS,
                    f"IGD control URL {service.control_url} refuses an unauthorized client",
                    location=where,
                    evidence={**ev, "status": answer.status},
                )
            else:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"IGD control URL {service.control_url} answered HTTP {answer.status}",
                    location=where,
                    evidence={**ev, "status": answer.status},
                )

"""CoAP resources reachable without DTLS or OSCORE."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

from securable.assess.check import HostCheck, NotApplicable, Remediation
from securable.assess.checks.network._common import udp_service_absent
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import CoapResponse, LiveHost

COAP_PORT = 5683
MAX_RESOURCES = 32
_LINK = re.compile(r"<([^>]*)>")


def link_paths(payload: bytes) -> list[str]:
    """The resource paths of a CoRE link-format document (RFC 6690), in order, no repeats."""
    text = payload[:65536].decode("utf-8", "replace")
    paths = []
    for target in _LINK.findall(text):
        path = target if target.startswith("/") else "/" + target
        if "://" not in target and path != "/.well-known/core":
            paths.append(path[:256])
    return list(dict.fromkeys(paths))[:MAX_RESOURCES]


def _writable(answer: CoapResponse | None) -> bool | None:
    """True: the server took the write (2.xx, or 4.12: it checked our precondition, so the
    method is allowed to an anonymous client). False: refused. None: no usable answer."""
    if answer is None:
        return None
    if answer.success or answer.code == "4.12":
        return True
    if answer.code in ("4.01", "4.03", "4.05"):
        return False
    return None


class CoapAccessCheck(HostCheck):
    """CoAP resources cannot be changed, or read beyond what is declared, without DTLS or OSCORE.

    CoAP over plain UDP has no authentication: whatever a resource accepts, anyone on the network
    may send. The check asks the device's UDP port 5683 for ``/.well-known/core`` (aiocoap), GETs
    every resource listed there, and — unless ``--no-login-attempts`` switches state-changing
    probes off — PUTs back the value it just read, guarded by an If-Match ETag the resource cannot
    have (a server that honours it changes nothing and answers 4.12; one that ignores it is
    given its own value back). A resource that takes the write fails. A readable one passes when
    the declaration declares the CoAP interface with ``auth: none`` (open reading is intended),
    and fails otherwise. Fix a failure with DTLS (coaps, port 5684) or OSCORE and access control.
    """

    id = "net.coap.unauthenticated"
    title = "CoAP resources require DTLS or OSCORE"
    severity = Severity.HIGH
    parallel = False  # the write-back probes run alone, like the login attempts
    remediation = Remediation(
        summary="Serve CoAP over DTLS (coaps://, port 5684) or protect it with OSCORE (RFC 8613), "
        "and authorize every write; declare intentionally open read-only resources with auth: none.",
        example="# product.yaml\ninterfaces:\n  - name: sensor readings\n    kind: network\n"
        "    protocol: coap\n    port: 5683\n    auth: none        # read-only, public by design",
        references=(
            "nistir8425:IAC-1b",
            "en303645:5.5-4",
            "cra:I.2.d",
            "https://www.rfc-editor.org/rfc/rfc8613",
        ),
    )

    def applies(self, target: LiveHost) -> NotApplicable | None:
        return udp_service_absent(target, COAP_PORT, "CoAP")

    def run(self, target: LiveHost) -> Iterator[Finding]:
        where = Location(host=target.address, port=COAP_PORT, service="coap")
        probe, address = target.probe, target.address
        core = probe.coap_request(address, COAP_PORT, "GET", "/.well-known/core")
        if core is None:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"UDP port 5683 is {target.udp_state(COAP_PORT)} but gave no CoAP answer",
                location=where,
            )
            return
        paths = link_paths(core.payload) if core.success else []
        if not paths:
            yield self.finding(
                Verdict.PASS,
                f"CoAP discovery lists no resource an anonymous client can use ({core.code})",
                location=where,
                evidence={"well_known_core": core.code},
            )
            return
        declared = target.declared_for(COAP_PORT, "udp")
        open_by_design = declared is not None and declared.auth == "none"
        for path in paths:
            loc = Location(host=address, port=COAP_PORT, service=f"coap {path}")
            got = probe.coap_request(address, COAP_PORT, "GET", path)
            readable = got is not None and got.success
            writable: bool | None = None
            if target.login_attempts:
                put = probe.coap_request(
                    address,
                    COAP_PORT,
                    "PUT",
                    path,
                    payload=got.payload if readable and got is not None else b"",
                    if_match=secrets.token_bytes(8),
                )
                writable = _writable(put)
            evidence = {"read": None if got is None else got.code, "write_probe": writable}
            if writable:
                yield self.finding(
                    Verdict.FAIL,
                    f"CoAP resource {path} accepts a write without DTLS or OSCORE",
                    location=loc,
                    evidence=evidence,
                )
            elif readable and not open_by_design:
                yield self.finding(
                    Verdict.FAIL,
                    f"CoAP resource {path} is readable without DTLS or OSCORE and the declaration "
                    "does not declare the CoAP interface as open (auth: none)",
                    location=loc,
                    evidence=evidence,
                    severity=Severity.MEDIUM,
                )
            elif readable:
                note = "" if writable is not None else "; write probes switched off (--no-login-attempts)"
                yield self.finding(
                    Verdict.PASS if writable is False else Verdict.INCONCLUSIVE,
                    f"CoAP resource {path} is readable as declared ({declared.name if declared else ''}: "
                    f"auth none){note}",
                    location=loc,
                    evidence=evidence,
                )
            else:
                yield self.finding(
                    Verdict.PASS if writable is not None else Verdict.INCONCLUSIVE,
                    f"CoAP resource {path} refuses an anonymous client ({evidence['read']})",
                    location=loc,
                    evidence=evidence,
                )

"""MQTT brokers that accept anonymous clients."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.network._common import ServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.host import LiveHost, ServiceInfo


class MqttAnonymousCheck(ServiceCheck):
    """No MQTT broker of the device accepts a client that gives no credentials.

    An anonymous client can read the device's telemetry and, where topics are not restricted,
    publish commands to it. The probe connects once with paho-mqtt, without user name,
    password or client certificate, and reads the broker's answer. Fix a failure with
    ``allow_anonymous false`` and per-client credentials or client certificates.
    """

    id = "net.mqtt.anonymous"
    title = "MQTT brokers refuse anonymous clients"
    severity = Severity.HIGH

    looks_at = "MQTT broker"
    remediation = Remediation(
        summary="Refuse anonymous clients: require per-client credentials or client certificates.",
        example="# mosquitto.conf\nallow_anonymous false\npassword_file /etc/mosquitto/passwd\n"
        "# or, for client certificates: require_certificate true",
        references=(
            "nistir8425:IAC-1b",
            "en303645:5.5-4",
            "cra:I.2.d",
            "https://mosquitto.org/man/mosquitto-conf-5.html",
        ),
    )

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        declared = target.declared_for(svc.port)
        mqtt_declared = declared is not None and "mqtt" in (declared.protocol or "")
        return svc.service in ("mqtt", "mqtts") or (svc.service == "tls" and mqtt_declared)

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        if svc.service == "tls" and svc.evidence.get("client_auth"):
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} requires a client certificate",
                location=loc,
                evidence={"client_auth": True},
            )
            return
        out = target.probe.mqtt_connect(target.address, svc.port, tls=svc.tls)
        if out is None:
            yield self.finding(
                Verdict.INCONCLUSIVE, f"port {svc.port}: the broker gave no CONNACK", location=loc
            )
        elif out.accepted:
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} accepts anonymous MQTT clients",
                location=loc,
                evidence={"reason": out.reason},
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} refuses anonymous MQTT clients ({out.reason})",
                location=loc,
                evidence={"reason": out.reason},
            )

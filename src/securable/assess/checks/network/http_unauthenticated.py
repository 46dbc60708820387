"""HTTP(S) API endpoints that answer without authentication."""

from __future__ import annotations

from collections.abc import Iterator

from securable.assess.check import Remediation
from securable.assess.checks.network._common import ServiceCheck
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.netclients import find_login_form
from securable.assess.targets.host import LiveHost, ServiceInfo


class HttpUnauthenticatedApiCheck(ServiceCheck):
    """No HTTP(S) API endpoint answers with content to a client that has not authenticated.

    The probe sends read-only ``GET`` requests, without credentials or cookies, to the API paths
    in ``assess/data/net_http_api_paths.txt`` (or the paths the caller gives), plus the GET routes
    of an OpenAPI document the service publishes at ``/openapi.json``. A 2xx answer with
    a body that is not a login page is unauthenticated access; 401/403, a redirect to a login,
    or a TLS handshake that demands a client certificate shows access control. When none of the
    paths exists the result is inconclusive: give the product's own API paths. Fix a failure by
    requiring a session, token or client certificate on every API route.
    """

    id = "net.http.unauthenticated-api"
    title = "HTTP API endpoints require authentication"
    severity = Severity.HIGH

    looks_at = "HTTP service"
    remediation = Remediation(
        summary="Require a session, token or client certificate on every API route; answer 401 "
        "to a request without one.",
        example="# nginx in front of the device API\nlocation /api/ {\n"
        "    auth_request /auth;   # or: ssl_verify_client on;\n}",
        references=("nistir8425:IAC-1b", "nistir8259a:LA-2", "en303645:5.5-4", "cra:I.2.d"),
    )

    def serves(self, target: LiveHost, svc: ServiceInfo) -> bool:
        return svc.service in ("http", "https") or (
            svc.service == "tls" and bool(svc.evidence.get("client_auth"))
        )

    def check_service(self, target: LiveHost, svc: ServiceInfo, loc: Location) -> Iterator[Finding]:
        if svc.evidence.get("client_auth"):
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} requires a client certificate before any request",
                location=loc,
                evidence={"client_auth": True},
            )
            return
        exposed: dict[str, int] = {}
        protected: dict[str, int] = {}
        paths = target.api_paths(svc)
        for path in paths:
            resp = target.probe.http(target.address, svc.port, "GET", path, tls=svc.tls)
            if resp is None:
                continue
            if 200 <= resp.status < 300:
                if resp.body.strip() and find_login_form(resp.body.decode("utf-8", "replace")) is None:
                    exposed[path] = resp.status
                else:
                    protected[path] = resp.status
            elif resp.status in (401, 403, 407) or (
                300 <= resp.status < 400 and "login" in resp.header("location").lower()
            ):
                protected[path] = resp.status
        ev = {"exposed": exposed, "protected": protected, "paths_probed": len(paths)}
        if exposed:
            yield self.finding(
                Verdict.FAIL,
                f"port {svc.port} answers without authentication at {', '.join(sorted(exposed))}",
                location=loc,
                evidence=ev,
            )
        elif protected:
            yield self.finding(
                Verdict.PASS,
                f"port {svc.port} requires authentication at {', '.join(sorted(protected))}",
                location=loc,
                evidence=ev,
            )
        else:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"port {svc.port}: none of the probed API paths exists; give the product's API paths",
                location=loc,
                evidence=ev,
            )

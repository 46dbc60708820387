"""Real web peers on loopback for the web target's tests, each started once per test process.

* :func:`portal` — the project's own portal (``securable.portal``) under uvicorn over TLS, with a
  certificate for 127.0.0.1 from a test CA, seeded through its admin API the way the portal tests
  do (a product, a case taken to a published CSAF advisory for CVE-2026-40001, a VEX statement).
* :func:`flawed_api` — a deliberately flawed FastAPI backend over plain http: an open private
  path, HTTP Basic with admin/admin, CORS reflecting any origin with credentials, no security
  headers, tracebacks on errors.
* :func:`incomplete_site` — a deliberately incomplete manufacturer site over TLS: an expired
  security.txt with a wrong Canonical and a Policy that is not there, invalid CSAF provider
  metadata, a product page with another support date, no advisories.

Servers run in daemon threads on 127.0.0.1 with free ports and are stopped at exit.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import ipaddress
import json
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import Request, Response

from tests.portal.conftest import free_port

__all__ = ["free_port"]

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Tls:
    ca: Path  # the test CA, to trust (WebLimits.ca_file / --web-ca)
    cert: Path
    key: Path


@dataclass(frozen=True)
class Served:
    url: str  # base URL, ending without a slash
    tls: Tls | None


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@functools.cache
def test_tls() -> Tls:
    """A test CA and a leaf for 127.0.0.1 (SAN IP, so host-name verification works)."""
    folder = Path(tempfile.mkdtemp(prefix="securable-web-tls-"))
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("securable web test CA"))
        .issuer_name(_name("securable web test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(LOOPBACK))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    tls = Tls(folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key")
    tls.ca.write_bytes(ca.public_bytes(pem))
    tls.cert.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    tls.key.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return tls


def serve(app: Any, port: int, tls: Tls | None) -> Served:
    """``app`` under uvicorn in a daemon thread on 127.0.0.1:``port``, stopped at exit."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=LOOPBACK,
        port=port,
        log_level="critical",
        lifespan="off",
        ws="none",
        ssl_certfile=str(tls.cert) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn:{port}")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=5)

    atexit.register(stop)
    return Served(f"{'https' if tls else 'http'}://{LOOPBACK}:{port}", tls)


# --- the project's own portal ------------------------------------------------------------------


@functools.cache
def portal(name: str = "shared") -> Served:
    """The portal over TLS, seeded with a product and a published advisory (CVE-2026-40001); one
    per ``name`` (a test that logs in takes its own, so others' failed logins do not throttle it)."""
    from securable.portal import ManualClock, PortalSettings, RateLimits
    from tests.portal.conftest import build_portal
    from tests.portal.test_workflow import run_case_to_disclosure

    tls = test_tls()
    port = free_port()
    settings = PortalSettings(
        data_dir=Path(tempfile.mkdtemp(prefix="securable-web-portal-")),
        public_url=f"https://{LOOPBACK}:{port}",
        publisher_name="Acme Devices",
        publisher_namespace="https://acme.example",
        publisher_contact="psirt@acme.example",
        tracking_prefix="ACME-SA",
        rate_limits=RateLimits(report_submit=1000, status_lookup=1000, login=1000, public_read=100000),
    )
    clock = ManualClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=4))
    p = build_portal(settings, clock)
    run_case_to_disclosure(p)
    if name == "vex":  # a second vulnerability answered by a VEX statement only, no advisory
        vuln = {
            "ident": VEX_ONLY,
            "title": "openssl: a flaw in code the camera never runs",
            "description": "A flaw in the TLS 1.3 early-data path, which the camera's server disables.",
        }
        assert p.post("/api/v1/admin/vulnerabilities", vuln).status_code == 201
        statement = {
            "vulnerability": VEX_ONLY,
            "product": "cam",
            "version": "1.2.0",
            "component": "pkg:deb/debian/openssl@3.0.11",
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "impact_statement": "Early data is disabled in the camera's TLS server.",
        }
        response = p.post("/api/v1/admin/vex", statement)
        assert response.status_code == 201, response.text
    return serve(p.app, port, tls)


VEX_ONLY = "CVE-2026-49999"


PORTAL_PRODUCT_PAGE = "/products/cam"
PORTAL_SUPPORT_END = "2031-06"  # tests.portal.conftest.PRODUCT["support_end"] is 2031-06-30
PORTAL_PRIVATE_PATHS = ("/api/v1/admin/cases", "/openapi.json")


# --- a deliberately flawed FastAPI backend ------------------------------------------------------


@functools.cache
def flawed_api() -> Served:
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import JSONResponse

    app = FastAPI(debug=True)  # tracebacks on unhandled errors: the flaw the error-page check finds

    @app.middleware("http")
    async def reflect_cors(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        origin = request.headers.get("origin")
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    @app.get("/")
    def home(page: str = "1") -> dict[str, Any]:
        return {"service": "flawed", "page": int(page)}  # int("-1e309") raises: a 500 with a traceback

    @app.post("/")
    async def post_home(request: Request) -> dict[str, Any]:
        data = json.loads(await request.body())  # broken JSON raises: another traceback
        return {"got": data}

    @app.get("/api/v1/devices")
    def devices() -> dict[str, Any]:
        return {"devices": [{"id": "th-200-0001", "owner": "alice@example.com"}]}

    @app.get("/api/v1/account")
    def account(request: Request) -> JSONResponse:
        import base64

        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            if (user, password) == ("admin", "admin"):
                return JSONResponse({"account": "admin"})
        raise HTTPException(401, "login required", headers={"WWW-Authenticate": 'Basic realm="api"'})

    @app.get("/.well-known/security.txt")
    def security_txt() -> Response:
        return Response("Contact: mailto:security@example.com\n", media_type="text/plain")

    return serve(app, free_port(), None)


FLAWED_OPEN_PATH = "/api/v1/devices"
FLAWED_LOGIN_PATH = "/api/v1/account"


# --- a deliberately incomplete manufacturer site ------------------------------------------------


@functools.cache
def incomplete_site() -> Served:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

    app = FastAPI()
    port = free_port()
    base = f"https://{LOOPBACK}:{port}"
    expired = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

    @app.get("/")
    def home() -> HTMLResponse:
        return HTMLResponse("<html><body><h1>Example Devices</h1><p>Smart thermostats.</p></body></html>")

    @app.get("/.well-known/security.txt")
    def security_txt() -> PlainTextResponse:
        return PlainTextResponse(
            "# security contact\n"
            "Contact: http://security.example.com/report\n"
            f"Expires: {expired}\n"
            f"Policy: {base}/security/policy\n"
            "Canonical: https://www.example.com/.well-known/security.txt\n"
        )

    @app.get("/.well-known/csaf/provider-metadata.json")
    def provider_metadata() -> JSONResponse:
        return JSONResponse(
            {"canonical_url": "https://example.com/provider-metadata.json", "metadata_version": "2.0"}
        )

    @app.get("/products/th-200")
    def product_page() -> HTMLResponse:
        return HTMLResponse(
            "<html><body><h1>TH-200</h1><h2>Support</h2>"
            "<p>Security updates are provided until December 2029.</p></body></html>"
        )

    return serve(app, port, test_tls())

"""The web target: bounded fetching (redirects, size, time, budget) against a small server on
loopback, sites from the declaration and the command line, and the reused live login code."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from securable.assess.checks.web.default_credentials import SiteHttp, find_surface
from securable.assess.checks.web.security_txt import SecurityTxtCheck
from securable.assess.model import AssessmentContext, TargetKind, Verdict
from securable.assess.targets import Declaration
from securable.assess.targets.host.http_login import HttpService, try_login
from securable.assess.targets.web import BACKEND, PRESENCE, Fetcher, Web, WebLimits, WebSite
from securable.errors import UsageError
from tests.assess.web import servers
from tests.portal.conftest import PASSWORD

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "product.yaml"
BIG = 3 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/offsite":
            self._send(302, headers={"Location": "https://elsewhere.invalid/landing"})
        elif self.path == "/.well-known/security.txt":
            self._send(301, headers={"Location": "https://elsewhere.invalid/.well-known/security.txt"})
        elif self.path == "/hop":
            self._send(302, headers={"Location": f"http://localhost:{port}/hop2"})  # another host name
        elif self.path == "/same":
            self._send(301, headers={"Location": "/landing"})
        elif self.path == "/loop":
            self._send(302, headers={"Location": "/loop"})
        elif self.path == "/big":
            self._send(200, b"x" * BIG, {"Content-Type": "text/plain"})
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"x" * 100)
                self.wfile.flush()
                time.sleep(0.3)
        else:
            self._send(200, f"page {self.path}".encode(), {"Content-Type": "text/plain"})


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_same_host_redirects_are_followed(base: str) -> None:
    with_fetcher = Fetcher(base, WebLimits())
    resp = with_fetcher.get("/same")
    assert resp.ok and resp.body == b"page /landing" and resp.redirects == (f"{base}/same",)
    with_fetcher.close()


def test_a_redirect_off_the_declared_host_is_recorded_not_followed(base: str) -> None:
    fetcher = Fetcher(base, WebLimits())
    resp = fetcher.get("/offsite")
    assert resp.offsite == "https://elsewhere.invalid/landing" and not resp.ok and resp.status == 302
    # a different host name for the same machine is another host too
    assert fetcher.get("/hop").offsite is not None
    # and a URL on another host is never requested at all
    assert fetcher.get("https://elsewhere.invalid/x").error is not None
    assert fetcher.requests_made == 2
    fetcher.close()


def test_redirect_loops_stop(base: str) -> None:
    fetcher = Fetcher(base, WebLimits(max_redirects=3))
    resp = fetcher.get("/loop")
    assert resp.error == "more than 3 redirects" and fetcher.requests_made == 4
    fetcher.close()


def test_size_time_and_request_limits(base: str) -> None:
    fetcher = Fetcher(base, WebLimits(max_bytes=64 * 1024, seconds=1.0, max_requests=3))
    big = fetcher.get("/big")
    assert big.truncated and len(big.body) == 64 * 1024
    slow = fetcher.get("/slow")
    assert slow.error is not None and ("longer than" in slow.error or "Timeout" in slow.error)
    fetcher.get("/")
    spent = fetcher.get("/")
    assert spent.error == "request budget of 3 spent" and fetcher.requests_made == 3
    fetcher.close()


def test_a_check_reports_an_offsite_redirect_as_a_finding(base: str) -> None:
    web = Web.from_url(base, roles=(BACKEND,))
    check = SecurityTxtCheck()
    check.context = AssessmentContext(profile="nistir8425", targets={TargetKind.WEB: web})
    findings = list(check.evaluate(web))
    web.close()
    assert [f.verdict for f in findings] == [Verdict.FAIL]
    assert (
        "redirected to another host (https://elsewhere.invalid/.well-known/security.txt)"
        in findings[0].message
    )


def test_an_unreachable_site_is_one_inconclusive_finding() -> None:
    port = servers.free_port()  # nothing listens there
    web = Web.from_url(f"http://127.0.0.1:{port}", roles=(PRESENCE,))
    check = SecurityTxtCheck()
    findings = list(check.evaluate(web))
    web.close()
    assert [f.verdict for f in findings] == [Verdict.INCONCLUSIVE]
    assert "could not be reached" in findings[0].message


@pytest.mark.parametrize("url", ["ftp://example.com", "example.com", "https://", "http://h:99999/"])
def test_a_bad_base_url_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError):
        Web.from_url(url)


def test_the_examples_web_section_is_valid_once_uncommented() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "\nweb:" not in text  # commented out: assessing the example must contact no one
    block = text[text.index("\n# web:\n") + 1 :].split("\n\n", 1)[0]
    uncommented = text.replace(block, "\n".join(line[2:] for line in block.splitlines()))
    web = Web.from_declaration(Declaration.from_text(uncommented))
    assert web is not None and [s.url for s in web.sites] == [
        "https://example.com",
        "https://api.example.com",
    ]


def test_sites_from_the_declaration_and_the_command_line() -> None:
    decl = Declaration.from_mapping(
        {
            "schema": "securable/product/v1",
            "product": {"name": "x", "manufacturer": "y", "url": "https://example.com/th-200"},
            "web": {
                "url": "https://example.com",
                "backends": [
                    {"url": "https://api.example.com", "auth_paths": ["/v1/devices", "/v1/account"]}
                ],
            },
        }
    )
    extra = WebSite("https://example.com/", roles=(BACKEND,))
    web = Web.from_declaration(decl, extra=[extra])
    assert web is not None
    by_url = {s.url.rstrip("/"): s for s in web.sites}
    assert by_url["https://example.com"].roles == {PRESENCE, BACKEND}  # merged with the flag's site
    assert by_url["https://example.com"].product_page == "https://example.com/th-200"
    assert by_url["https://api.example.com"].auth_paths == ("/v1/devices", "/v1/account")
    assert web.having(BACKEND) == tuple(web.sites)
    bare = Declaration.from_mapping(
        {"schema": "securable/product/v1", "product": {"name": "x", "manufacturer": "y"}}
    )
    assert Web.from_declaration(bare) is None


def test_the_live_login_code_really_logs_in_to_the_portal() -> None:
    """The default-credential check's attempts are real: the admin's own password gets in through
    the same seam, form discovery (with the portal's CSRF cookie) and attempt code."""
    served = servers.portal("login")  # its own portal: the other tests' failed logins throttle the shared one
    site = WebSite(served.url, limits=WebLimits(ca_file=servers.test_tls().ca))
    seam = SiteHttp(site)
    try:
        svc = HttpService(seam, site.host, site.port, site.tls)
        surface = find_surface(svc, ())
        assert surface is not None and surface.kind == "form" and surface.path == "/admin/login"
        assert try_login(svc, surface, "alice", "not the password") is False
        assert try_login(svc, surface, "alice", PASSWORD) is True
    finally:
        seam.fetcher.close()
        site.close()


def test_the_support_end_is_read_from_any_json_layout() -> None:
    """The portal's product.json may move its registry fields (another branch changes them): a key
    naming the support end is found at any depth."""
    from securable.assess.checks.web.support_period import json_dates

    flat = {"product_name": "Cam", "support_end": "2031-06-30", "support_type": "free updates until 2040"}
    nested = {"fcc_registry": {"fields": [{"end_of_support_period": "June 2031"}]}, "released": "2026-10-01"}
    assert [(k, d.text) for k, d in json_dates(flat)] == [("support_end", "2031-06-30")]
    assert [(k, d.text) for k, d in json_dates(nested)] == [
        ("fcc_registry.fields[0].end_of_support_period", "June 2031")
    ]


def test_the_csaf_schema_is_used_without_importing_csaf() -> None:
    """Importing the ``csaf`` package sets the root logger to INFO on stderr, which would print every
    HTTP request of an assessment; the provider check only reads its schema file."""
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from securable.assess.checks.web.csaf_provider import provider_validator\n"
        "provider_validator()\n"
        "import sys; assert 'csaf' not in sys.modules\n"
        "print(logging.getLogger().level, len(logging.getLogger().handlers))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["30", "0"]

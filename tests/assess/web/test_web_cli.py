"""``securable assess`` with the web target and ``--fetch-docs``, end to end against loopback peers;
the reports are checked with the report contract schema and the SARIF 2.1.0 schema."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from securable._cli import main
from tests.assess.web import servers

ROOT = Path(__file__).resolve().parents[3]
REPORT_SCHEMA = ROOT / "src/securable/assess/data/report.schema.json"
SARIF_SCHEMA = ROOT / "tests/assess/schemas/sarif-schema-2.1.0.json"
CORPUS = ROOT / "tests/assess/documents/corpus"


def cli(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def write_declaration(path: Path, **sections: object) -> Path:
    data = {
        "schema": "securable/product/v1",
        "product": {"name": "Acme Cam", "manufacturer": "Acme Devices"},
        **sections,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def validate(out: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads((out / "report.json").read_text())
    Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(report)
    sarif = json.loads((out / "report.sarif").read_text())
    Draft202012Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    return report


def test_web_presence_and_backends_end_to_end(tmp_path: Path) -> None:
    portal, flawed = servers.portal(), servers.flawed_api()
    manifest = write_declaration(
        tmp_path / "product.yaml",
        support={"end": servers.PORTAL_SUPPORT_END},
        web={
            "product_page": portal.url + servers.PORTAL_PRODUCT_PAGE,
            "backends": [
                {"url": portal.url, "auth_paths": list(servers.PORTAL_PRIVATE_PATHS)},
                {"url": flawed.url, "auth_paths": [servers.FLAWED_OPEN_PATH, servers.FLAWED_LOGIN_PATH]},
            ],
        },
    )
    out = tmp_path / "o"
    # the portal is also given as the web presence on the command line: its site gets both roles
    code = cli(
        ["assess", "--manifest", str(manifest), "--web", portal.url, "--web-ca", str(servers.test_tls().ca),
         "--out", str(out), "--format", "json,sarif,html,oscal,junit", "--timeout", "120"]
    )  # fmt: skip
    report = validate(out)
    assert code == 1  # the flawed backend fails
    assert {t["kind"] for t in report["targets"]} == {"declaration", "web"}  # type: ignore[index]
    runs = {c["id"]: c["status"] for c in report["checks"] if c["id"].startswith("web.")}  # type: ignore[attr-defined]
    assert len(runs) == 11 and set(runs.values()) == {"ok"}, runs
    by_site: dict[tuple[str, str], set[str]] = {}
    for finding in report["findings"]:  # type: ignore[attr-defined]
        if finding["check"].startswith("web.") and "port" in finding.get("location", {}):
            port = str(finding["location"]["port"])
            site = "portal" if portal.url.endswith(port) else "flawed"
            by_site.setdefault((site, finding["check"]), set()).add(finding["verdict"])
    for check in ("web.security-txt", "web.tls", "web.security-headers", "web.cors", "web.error-pages"):
        assert by_site[("portal", check)] == {"pass"}, check
        assert by_site[("flawed", check)] == {"fail"}, check
    for check in ("web.disclosure-policy", "web.csaf-provider", "web.support-period"):
        assert by_site[("portal", check)] == {"pass"}, check
    assert by_site[("flawed", "web.default-credentials")] == {"fail"}
    assert "fail" in by_site[("flawed", "web.api-authentication")]
    html = (out / "report.html").read_text()
    assert "web.security-txt" in html
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(str(ROOT / "tests/assess/schemas/junit-windyroad.xsd")).validate(
        (out / "junit.xml").read_text()
    )
    from trestle.oscal.assessment_results import AssessmentResults

    model = AssessmentResults.oscal_read(out / "oscal-ar.json")
    assert isinstance(model, AssessmentResults)
    observations = model.results[0].observations or []
    assert any("web.tls" in (o.title or o.description) for o in observations)


def test_a_bad_web_url_is_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(["assess", "--web", "ftp://example.com", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) <= 2 and "--web" in err[0] and "not an http(s) URL" in err[0]


def test_fetch_docs_needs_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(["assess", "--web", "https://127.0.0.1:9", "--fetch-docs", "--out", str(tmp_path / "o")])
    assert code == 2 and "--fetch-docs needs --manifest" in capsys.readouterr().err


@pytest.fixture
def served_docs() -> Iterator[str]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(CORPUS), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_docs_reads_url_documents_only_when_allowed(tmp_path: Path, served_docs: str) -> None:
    """A manual published at a URL: without --fetch-docs it is not fetched (the document checks
    say so); with it, it is read and its support date compared with the declaration."""
    manifest = write_declaration(
        tmp_path / "product.yaml",
        support={"end": "2032-09"},
        documentation={"manual": f"{served_docs}/nordlock.md"},
    )

    def support_finding(*flags: str) -> dict[str, object]:
        out = tmp_path / ("fetched" if flags else "plain")
        cli(["assess", "--manifest", str(manifest), "--out", str(out), "--format", "json,sarif", *flags])
        report = validate(out)
        found = [f for f in report["findings"] if f["check"] == "doc.support-period"]  # type: ignore[attr-defined]
        assert len(found) >= 1
        first: dict[str, object] = found[0]
        return first

    plain = support_finding()
    assert plain["verdict"] == "inconclusive"
    fetched = support_finding("--fetch-docs")
    assert fetched["verdict"] == "pass", fetched["message"]
    assert "30.09.2032" in json.dumps(fetched["evidence"])


def test_the_engine_option_fetches_documents_for_library_callers(served_docs: str) -> None:
    from securable.assess.checks.documents.support_period import SupportPeriodCheck
    from securable.assess.engine import EngineOptions, run_assessment
    from securable.assess.model import TargetKind
    from securable.assess.targets import Declaration

    decl = Declaration.from_mapping(
        {
            "schema": "securable/product/v1",
            "product": {"name": "DS-3", "manufacturer": "Nordlock"},
            "support": {"end": "2032-09"},
            "documentation": {"manual": f"{served_docs}/nordlock.md"},
        }
    )

    def verdicts(options: EngineOptions) -> list[str]:
        result = run_assessment({TargetKind.DECLARATION: decl}, [SupportPeriodCheck], options=options)
        return [f.verdict.value for f in result.findings]

    assert verdicts(EngineOptions()) == ["inconclusive"]
    assert verdicts(EngineOptions(fetch_docs=True)) == ["pass"]

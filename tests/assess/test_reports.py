"""Every report format, from one assessment of a hostile image, checked by its own schema or validator."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

from securable.assess.assessment import Assessment
from securable.assess.engine import EngineOptions, run_assessment
from securable.assess.model import TargetKind, Verdict
from securable.assess.registry import checks_for
from securable.assess.reports import FORMATS, html, json_report, junit, oscal, sarif, write_reports
from securable.assess.targets import Declaration, FirmwareImage
from securable.catalog import Catalog
from tests.assess import _checks as tc
from tests.assess.test_declaration import good

SCHEMAS = Path(__file__).parent / "schemas"
REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "src/securable/assess/data/report.schema.json"
MARKUP = "<script>alert(1)<!--"
ATTR_MARKUP = '"><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def assessment(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Assessment:
    root = tmp_path_factory.mktemp("hostile") / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (root / MARKUP).write_text("x")
    (root / ATTR_MARKUP.replace("/", "_")).write_text("x")
    (root / os.fsdecode(b"bad-\xff\xfe-name")).write_text("x")
    (root / "ctl\x1bname").write_text("x")
    data = good(catalog)
    data["product"]["name"] = "</title><script>alert(3)</script>"
    data["requirements"]["nistir8425:IAC-2c"]["justification"] = "<iframe src=javascript:alert(4)>"
    data["disclosure"]["contact"] = "<b>nobody</b>"  # fails: not a contact
    decl = Declaration.from_mapping(data)
    with FirmwareImage.open(root) as image:
        return run_assessment(
            {TargetKind.FIRMWARE: image, TargetKind.DECLARATION: decl},
            [tc.PasswdReadable, tc.FlagEveryFile, tc.Crashes, *checks_for([TargetKind.DECLARATION])],
            options=EngineOptions(timeout=10),
            catalog=catalog,
        )


def test_report_json_matches_the_contract_schema(assessment: Assessment) -> None:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    report = json.loads(json_report.render(assessment))
    Draft202012Validator(schema).validate(report)
    assert report["schema"] == "securable/report/v1"
    assert report["summary"] == assessment.summary and sum(report["summary"].values()) == 13
    paths = {f["location"]["path"] for f in report["findings"] if "path" in f.get("location", {})}
    assert "/bad-\\xff\\xfe-name" in paths  # undecodable bytes shown as escapes, not lost
    assert "/" + MARKUP in paths
    assert {t["kind"] for t in report["targets"]} == {"firmware", "declaration"}
    assert {c["id"]: c["status"] for c in report["checks"]}["test.crashes"] == "error"
    by_id = {r["id"]: r for r in report["requirements"]}
    assert by_id["nistir8425:IAC-1b"]["verdict"] == "fail"
    assert by_id["nistir8425:IAC-1b"]["mapped"] == {"en303645": ["en303645:5.1-1"], "cra": ["cra:I.2.d"]}
    assert {c["id"]: c["verdict"] for c in report["crosswalk"]}["en303645:5.1-1"] == "fail"


def test_report_schema_rejects_contract_violations(assessment: Assessment) -> None:
    validator = Draft202012Validator(json.loads(REPORT_SCHEMA.read_text(encoding="utf-8")))
    report = json.loads(json_report.render(assessment))
    for mutate in (
        lambda r: r["summary"].pop("not_assessed"),
        lambda r: r["findings"][0].update(verdict="passed"),
        lambda r: r["requirements"][0].update(id="IAC-1b"),
        lambda r: r.update(schema="securable/report/v2"),
        lambda r: r["findings"][0].update(location={"path": "relative/path"}),
    ):
        broken = json.loads(json.dumps(report))
        mutate(broken)
        assert not validator.is_valid(broken)


def test_sarif_validates_against_the_official_schema(assessment: Assessment) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    log = json.loads(sarif.render(assessment))
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    run = log["runs"][0]
    kinds = {r["kind"] for r in run["results"]}
    assert {"fail", "pass", "review", "notApplicable"} <= kinds
    for result in run["results"]:
        assert (result["level"] != "none") == (result["kind"] == "fail")
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r.get("locations", [])
        if "physicalLocation" in loc
    }
    assert "bad-%FF%FE-name" in uris and "%3Cscript%3Ealert%281%29%3C%21--" in uris
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["kind"] = "passed"
    assert not Draft4Validator(schema).is_valid(broken)  # the schema does constrain our output
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["test.crashes"]
    assert run["invocations"][0]["executionSuccessful"] is False


def test_junit_validates_against_the_ant_junit_xsd(assessment: Assessment) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(SCHEMAS / "junit-windyroad.xsd"))
    document = junit.render(assessment)
    schema.validate(document.decode("utf-8"))
    root = xmlschema.XMLResource(document.decode("utf-8")).root  # parsed by the validator's own reader
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "securable.nistir8425",
        "securable.crosswalk.cra",
        "securable.crosswalk.en303645",
    ]
    main = suites[0]
    assert int(main.get("tests", "0")) == 13
    assert int(main.get("failures", "0")) == assessment.summary["fail"]
    failing = {c.get("name") for c in main.iter("testcase") if c.find("failure") is not None}
    assert failing == {r.id for r in assessment.requirements if r.verdict is Verdict.FAIL}


def test_oscal_assessment_results_parse_with_trestle_and_cross_references_hold(
    assessment: Assessment, tmp_path: Path
) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    document = json.loads(oscal.render(assessment))
    path = tmp_path / "oscal-ar.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    model = AssessmentResults.oscal_read(path)
    assert isinstance(model, AssessmentResults)
    result = model.results[0]
    observation_ids = {str(o.uuid) for o in result.observations or []}
    assert len(observation_ids) == len(assessment.findings)
    assert result.local_definitions is not None
    subjects = {str(i.uuid) for i in result.local_definitions.inventory_items or []}
    for obs in result.observations or []:
        for subject in obs.subjects or []:
            assert str(subject.subject_uuid) in subjects
    controls = {
        c.control_id
        for sel in result.reviewed_controls.control_selections
        for c in sel.include_controls or []
    }
    assert len(result.findings or []) == 13
    for finding in result.findings or []:
        assert finding.target.status is not None  # required by the metaschema, optional in trestle
        assert finding.target.target_id in controls
        for rel in finding.related_observations or []:
            assert str(rel.observation_uuid) in observation_ids
    states = {
        f.target.target_id: (f.target.status.state.value, f.props[0].value) for f in result.findings or []
    }
    assert states["nistir8425_IAC-1b"] == ("not-satisfied", "fail")
    assert states["nistir8425_IAC-2c"][1] == "not_applicable"
    assert states["nistir8425_AI-1"] == ("satisfied", "pass")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


ALLOWED_TAGS = frozenset(
    [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "div",
        "strong",
        "code",
        "section",
        "h1",
        "h2",
        "h3",
        "table",
        "tr",
        "th",
        "td",
        "span",
        "ul",
        "li",
        "thead",
        "tbody",
        "br",
        "details",
        "summary",
        "pre",
        "footer",
        "p",
    ]
)


def test_html_is_self_contained_and_injects_no_markup(assessment: Assessment) -> None:
    page = html.render(assessment).decode("utf-8")
    parser = _Collector()
    parser.feed(page)
    tags = {t for t, _a in parser.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for _tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on")
            assert "javascript:" not in (value or "")
    text = "".join(parser.text)
    assert MARKUP in text  # shown as text
    assert "/bad-\\xff\\xfe-name" in text
    assert "<iframe src=javascript:alert(4)>" in text
    assert "http://" not in page.replace('"http://www.w3.org', "") and "<link" not in page
    assert "nistir8425:IAC-1b" in text and "en303645:5.1-1" in text and "cra:I.2.d" in text
    assert "Interface Access Control" in text  # summary per outcome


def test_write_reports_writes_every_format(assessment: Assessment, tmp_path: Path) -> None:
    written = write_reports(assessment, tmp_path / "out", list(FORMATS))
    # mud.json needs the product declaration, which this assessment has none of (test_product.py)
    expected = sorted(name for key, (name, _r) in FORMATS.items() if key != "mud")
    assert sorted(p.name for p in written) == expected
    assert all(p.stat().st_size > 100 for p in written)


def test_reports_say_how_to_fix_and_why(assessment: Assessment) -> None:
    """Remediation reaches every format; every requirement says why; open ones say what settles them."""
    report = json.loads(json_report.render(assessment))
    fix = {c["id"]: c.get("remediation") for c in report["checks"]}["test.flag-every-file"]
    assert fix["summary"].startswith("remove every file") and fix["references"] == ["nistir8425:IAC-1b"]
    for req in report["requirements"]:
        assert req["text"] and req["reason"], req["id"]
        assert bool(req.get("settle")) is (
            req["verdict"] in ("inconclusive", "manual", "error", "not_assessed")
        )

    log = json.loads(sarif.render(assessment))
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "test.flag-every-file")
    assert rule["help"]["text"].startswith("How to fix: remove every file")
    assert "~~~~\nrm -rf" in rule["help"]["markdown"] and "&lt;i&gt;" in rule["help"]["markdown"]
    assert "nistir8425:IAC-1b" in rule["help"]["markdown"]
    assert rule["helpUri"].startswith("https://")

    xml = junit.render(assessment).decode()
    assert "fix (test.flag-every-file): remove every file &lt;i&gt;from&lt;/i&gt; the image" in xml

    page = html.render(assessment).decode()
    assert "How to fix:" in page and "<i>from</i>" not in page and "&lt;script&gt;x" in page
    assert "To settle:" in page


@pytest.mark.parametrize(
    ("summary", "css", "words"),
    [
        ({"fail": 2, "manual": 3}, "fail", "2 requirement(s) failed — 3 need a person's review."),
        (
            {"pass": 5, "manual": 21, "inconclusive": 6},
            "open",
            "No requirement failed — 21 need a person's review, 6 could not be decided.",
        ),
        ({"pass": 5, "not_assessed": 1}, "open", "No requirement failed — 1 were not assessed."),
        (
            {"pass": 5, "not_applicable": 2},
            "ok",
            "Every requirement of the profile passed or does not apply.",
        ),
    ],
)
def test_banner_is_green_only_when_nothing_is_failed_or_open(
    summary: dict[str, int], css: str, words: str
) -> None:
    assert html.outcome(summary) == (css, words)

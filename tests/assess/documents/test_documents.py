"""The documents target and the information elements: formats, hostile input, loopback fetch,
the demo's documents, and the false-missing rate on manufacturer-style documents."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from securable.assess.engine import run_assessment
from securable.assess.facts.documents import extract_dates, find_element, load_elements
from securable.assess.model import TargetKind, Verdict
from securable.assess.registry import all_checks
from securable.assess.targets import Declaration
from securable.assess.targets.documents import DocumentLimits, Documents, parse_document
from securable.demo.declarations import DOCS_DIR, legacy_declaration, secure_declaration

from ._pdf import markdown_to_pdf

CORPUS = Path(__file__).parent / "corpus"


def _docs(tmp: Path, **files: bytes | str) -> Documents:
    links = {}
    for name, content in files.items():
        path = tmp / name.replace("_", ".")
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        links[name] = path.name
    return Documents.from_links(links, tmp)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("pdf")
    (tmp / "nordlock.pdf").write_bytes(markdown_to_pdf((CORPUS / "nordlock.md").read_text()))
    (tmp / "lumo.pdf").write_bytes(markdown_to_pdf((CORPUS / "lumo-plug.txt").read_text()))
    return {
        "html with a table": CORPUS / "acme-camera.html",
        "plain-text leaflet": CORPUS / "lumo-plug.txt",
        "markdown with tables": CORPUS / "nordlock.md",
        "pdf from markdown": tmp / "nordlock.pdf",
        "pdf from a leaflet": tmp / "lumo.pdf",
        "faq (markdown)": CORPUS / "brightbulb-faq.md",
        "definition list and table (html)": CORPUS / "kettle-leaflet.html",
        "numbered capitals (text)": CORPUS / "doorbell-guide.txt",
        "numbered sections and a table (markdown)": CORPUS / "lockbox-manual.md",
        "headings, list and table (html)": CORPUS / "sensor-sheet.html",
        "short headings (text)": CORPUS / "camera-notice.txt",
        "demo manual (markdown)": DOCS_DIR / "secure" / "user-manual.md",
        "demo manual (pdf)": DOCS_DIR / "secure" / "user-manual.pdf",
    }


def test_false_missing_rate_on_manufacturer_style_documents(corpus: dict[str, Path]) -> None:
    """Every corpus document carries every element (the demo manual carries those of a manual;
    the security page the rest); count the elements the finder misses."""
    page_only = {"vulnerability-contact", "vulnerability-notices", "breach-notices"}
    page_only |= {"vulnerability-options", "vulnerability-policy", "lifecycle-policy"}
    missed: list[str] = []
    total = 0
    for style, path in corpus.items():
        docs = Documents.from_links({style: str(path)}, path.parent)
        assert docs.documents[0].error is None, docs.documents[0].error
        for element in load_elements().values():
            if style.startswith("demo") and element.key in page_only:
                continue
            total += 1
            if not find_element(docs, element):
                missed.append(f"{style}: {element.key}")
    rate = len(missed) / total
    print(f"false-missing rate: {len(missed)}/{total} = {rate:.1%}")
    assert rate <= 0.02, missed


def test_a_document_missing_everything_yields_no_hits() -> None:
    docs = Documents.from_links({"leaflet": str(DOCS_DIR / "legacy" / "user-manual.md")}, DOCS_DIR)
    found = [e.key for e in load_elements().values() if find_element(docs, e)]
    assert found == []


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("until 31 December 2031", (2031, 12, 31)),
        ("until December 31, 2031", (2031, 12, 31)),
        ("until December 2028", (2028, 12, None)),
        ("End of security support | 2030-06-30", (2030, 6, 30)),
        ("until 30.09.2032", (2032, 9, 30)),
        ("through 06/2029", (2029, 6, None)),
    ],
)
def test_dates_are_extracted_in_the_styles_manufacturers_write(
    text: str, want: tuple[int, int, int | None]
) -> None:
    date = extract_dates(text)[0]
    assert (date.year, date.month, date.day) == want


def test_support_dates_of_the_corpus_are_compared_not_just_found(corpus: dict[str, Path]) -> None:
    from securable.assess.checks.documents.support_period import SupportPeriodCheck

    for path, end, ok in (
        (corpus["html with a table"], "2030-06", True),
        (corpus["pdf from markdown"], "2032-09", True),
        (corpus["plain-text leaflet"], "2029-12", False),
    ):
        decl = Declaration.from_mapping(
            {
                "schema": "securable/product/v1",
                "product": {"name": "x", "manufacturer": "m", "model": "x"},
                "support": {"end": end},
                "documentation": {"doc": str(path)},
            }
        )
        findings = list(SupportPeriodCheck().evaluate(Documents.from_declaration(decl)))
        assert [f.verdict for f in findings] == [Verdict.PASS if ok else Verdict.FAIL], findings[0].message


def test_html_scripts_and_entities_are_not_text(tmp_path: Path) -> None:
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<html><body><script>support until 1 January 2020</script>"
        "<h2>Support</h2><p>&xxe; none</p></body></html>"
    )
    doc = _docs(tmp_path, page_html=hostile).documents[0]
    text = " ".join(s.text for s in doc.sections)
    assert "root:" not in text and "2020" not in text


def test_unreadable_documents_are_errors_naming_them(tmp_path: Path) -> None:
    from securable.assess.checks.documents.support_period import SupportPeriodCheck

    docs = _docs(tmp_path, broken_pdf=b"%PDF-1.7\n garbage \x00\x01")
    docs = Documents.from_links({**{s.name: s.ref for s in docs.sources}, "gone": "missing.md"}, tmp_path)
    errors = {d.name: d.error for d in docs.documents}
    assert errors["broken_pdf"] and "does not exist" in (errors["gone"] or "")
    finding = next(iter(SupportPeriodCheck().evaluate(docs)))
    assert (
        finding.verdict is Verdict.ERROR and "'broken_pdf'" in finding.message and "'gone'" in finding.message
    )


def test_size_and_page_caps(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    docs = Documents.from_links({"big": "big.txt"}, tmp_path, limits=DocumentLimits(max_bytes=1024))
    assert "larger than" in (docs.documents[0].error or "")
    pdf = markdown_to_pdf("\n".join(f"## Page {n}\ntext {n}" for n in range(6)), page_per_h2=True)
    doc = parse_document("p", "p.pdf", pdf, limits=DocumentLimits(max_pages=2))
    assert [s.where for s in doc.sections] == ["page 1", "page 2"]


def test_urls_are_not_fetched_without_permission() -> None:
    from securable.assess.checks.documents.support_period import SupportPeriodCheck

    docs = Documents.from_links({"page": "http://127.0.0.1:9/manual"}, Path())
    assert docs.documents[0].skipped
    assert [f.verdict for f in SupportPeriodCheck().evaluate(docs)] == [Verdict.INCONCLUSIVE]


@pytest.fixture
def served() -> Iterator[str]:
    folder = CORPUS

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

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


def test_documents_are_fetched_from_loopback_when_allowed(served: str) -> None:
    docs = Documents.from_links(
        {"page": f"{served}/acme-camera.html", "gone": f"{served}/nothing.html"}, Path(), fetch=True
    )
    page, gone = docs.documents
    assert page.error is None and page.format == "html" and len(page.sections) > 5
    assert gone.error is not None and "404" in gone.error
    small = Documents.from_links(
        {"page": f"{served}/acme-camera.html"}, Path(), fetch=True, limits=DocumentLimits(max_bytes=100)
    )
    assert "larger than" in (small.documents[0].error or "")


def _doc_findings(raw: dict[str, object]) -> list[tuple[str, Verdict, str]]:
    decl = Declaration.from_mapping(raw, ref="product.yaml")
    checks = [c for c in all_checks() if c.target is TargetKind.DOCUMENTS]
    result = run_assessment({TargetKind.DECLARATION: decl}, checks)
    return [(f.check, f.verdict, f.message) for f in result.findings]


def test_demo_secure_documents_carry_every_element() -> None:
    findings = _doc_findings(secure_declaration([], "2031-12"))
    bad = [f for f in findings if f[1] not in (Verdict.PASS, Verdict.MANUAL)]
    assert not bad
    assert sum(f[1] is Verdict.PASS for f in findings) >= 10


def test_demo_secure_documents_disagreeing_with_the_declaration_fail() -> None:
    findings = _doc_findings(secure_declaration([], "2030-06"))
    assert ("doc.support-period", Verdict.FAIL) in {(c, v) for c, v, _m in findings}


def test_demo_legacy_manual_misses_elements() -> None:
    findings = _doc_findings(legacy_declaration())
    missing = [m for _c, v, m in findings if v is Verdict.FAIL and m.startswith("missing from the documents")]
    assert len(missing) >= 10


def test_the_demo_pdf_is_the_markdown_manual_printed() -> None:
    pdf = DOCS_DIR / "secure" / "user-manual.pdf"
    md = (DOCS_DIR / "secure" / "user-manual.md").read_text()
    fresh = parse_document("m", "m.pdf", markdown_to_pdf(md, page_per_h2=True))
    committed = parse_document("m", "m.pdf", pdf.read_bytes())
    assert [s.text for s in committed.sections] == [s.text for s in fresh.sections], (
        "rebuild it: .venv/bin/python -m tests.assess.documents._pdf"
    )


HELD_OUT = Path(__file__).parent / "heldout"


def test_held_out_false_missing_rate(tmp_path: Path) -> None:
    """Documents written after the patterns were fixed (see heldout/README.md): the honest rate.

    Each of the three carries all 18 elements in its own words (one also as a PDF); the printed
    figure is the one the project reports. The bound only catches a collapse of the finder.
    """
    (tmp_path / "gateway.pdf").write_bytes(markdown_to_pdf((HELD_OUT / "gateway-readme.txt").read_text()))
    styles = {
        "regulatory sheet (markdown)": HELD_OUT / "plug-compliance.md",
        "help page (html)": HELD_OUT / "speaker-help.html",
        "capitals read-me (text)": HELD_OUT / "gateway-readme.txt",
        "capitals read-me (pdf)": tmp_path / "gateway.pdf",
    }
    missed: list[str] = []
    total = 0
    for style, path in styles.items():
        docs = Documents.from_links({style: str(path)}, path.parent)
        assert docs.documents[0].error is None, docs.documents[0].error
        for element in load_elements().values():
            total += 1
            if not find_element(docs, element):
                missed.append(f"{style}: {element.key}")
    print(f"held-out false-missing rate: {len(missed)}/{total} = {len(missed) / total:.1%}; missed: {missed}")
    assert len(missed) / total <= 0.2, missed


NEGATIVE = Path(__file__).parent / "negative"


def test_documents_without_security_information_carry_almost_no_element() -> None:
    """A marketing page and a quick-start card carry none of the elements: count what the finder
    claims to find there anyway (the false-found rate the project reports)."""
    found: list[str] = []
    total = 0
    for path in sorted(NEGATIVE.iterdir()):
        docs = Documents.from_links({path.name: str(path)}, path.parent)
        for element in load_elements().values():
            total += 1
            if find_element(docs, element):
                found.append(f"{path.name}: {element.key}")
    print(f"false-found rate: {len(found)}/{total} = {len(found) / total:.1%}; found: {found}")
    assert len(found) / total <= 0.1, found

"""Make PDFs for the tests (and the demo's committed manual) from Markdown, with reportlab.

Headings become bold headings, table rows become "cell | cell" lines, list items paragraphs,
the way a manufacturer's word processor would print them. Run as a module to rebuild the demo's
PDF manual from its Markdown source::

    .venv/bin/python -m tests.assess.documents._pdf
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

DEMO_DOCS = Path(__file__).resolve().parents[3] / "src" / "securable" / "demo" / "data" / "docs"


def _inline(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return escape(text.replace("`", ""))


def markdown_to_pdf(markdown: str, *, page_per_h2: bool = False) -> bytes:
    """A PDF of ``markdown`` (headings, paragraphs, lists, pipe tables); deterministic output."""
    styles = getSampleStyleSheet()
    story: list[object] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            story.append(Paragraph(_inline(" ".join(paragraph)), styles["BodyText"]))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            if page_per_h2 and level == 2 and story:
                story.append(PageBreak())
            story.append(Paragraph(_inline(line.lstrip("#").strip()), styles[f"Heading{min(level, 3)}"]))
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-", ":"} for c in cells):
                story.append(Paragraph(_inline(" | ".join(cells)), styles["BodyText"]))
        elif line.startswith(("- ", "* ")):
            flush()
            paragraph.append(line[2:])
        elif not line:
            flush()
            story.append(Spacer(1, 4))
        else:
            paragraph.append(line)
    flush()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title="manual", author="securable tests", invariant=1)
    doc.build(story)  # type: ignore[arg-type]
    return out.getvalue()


def build_demo_pdf() -> Path:
    """Rebuild the demo's ``user-manual.pdf`` from ``user-manual.md`` (secure build)."""
    source = DEMO_DOCS / "secure" / "user-manual.md"
    target = DEMO_DOCS / "secure" / "user-manual.pdf"
    target.write_bytes(markdown_to_pdf(source.read_text(encoding="utf-8"), page_per_h2=True))
    return target


if __name__ == "__main__":
    print(build_demo_pdf())

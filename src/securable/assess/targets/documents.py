"""The documents target: what the manufacturer documents and publishes about the product.

The declaration's ``documentation`` entries name the documents (a user manual, a security page,
an end-of-support notice). Each is a local file (Markdown, HTML, PDF or plain text; a relative
path is read from the declaration's folder) or an ``http(s)`` URL, which is fetched only when
the caller allows network use for documents (``fetch=True``; the CLI's ``--fetch-docs``).

Documents are hostile input. Every read is bounded: a size cap on files and downloads, a page cap
and a time budget on PDFs, a cap on the extracted text, no external entities or network access
while parsing HTML, only ``http``/``https`` fetched, a few redirects at most. A document that
cannot be read keeps its error (:attr:`Document.error`), which the document checks report as an
``error`` finding naming it; nothing here raises on bad content.

Reading happens on first use (:attr:`Documents.documents`, a shared fact), inside the checks'
threads and timeouts, so opening the target is cheap.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from securable.assess.facts._memo import fact
from securable.assess.model import TargetKind

if TYPE_CHECKING:
    from securable.assess.targets.declaration import Declaration

__all__ = ["Document", "DocumentLimits", "DocumentSource", "Documents", "Section", "parse_document"]

_URL = re.compile(r"^https?://", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class DocumentLimits:
    """Caps on reading one document. Defaults suit a manual of a few hundred pages."""

    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 300
    max_chars: int = 2_000_000
    seconds: float = 20.0  # per document: download plus parse
    max_redirects: int = 3


@dataclass(frozen=True)
class DocumentSource:
    """One ``documentation`` entry: its name in the declaration and where it lives."""

    name: str
    ref: str  # as declared
    path: Path | None = None  # a local file
    url: str | None = None  # an http(s) URL


@dataclass(frozen=True)
class Section:
    """A part of a document with its own heading (or a PDF page): where quotes come from."""

    heading: str  # the nearest heading ("" before the first one)
    where: str  # "section 'Support period'", "page 3", "line 12"
    text: str


@dataclass(frozen=True)
class Document:
    """A read document: its sections, or why it could not be read (``error``), or why it was
    not read at all (``skipped``: a URL without permission to fetch)."""

    name: str
    ref: str
    format: str = ""
    sections: tuple[Section, ...] = ()
    error: str | None = None
    skipped: str | None = None

    @property
    def read(self) -> bool:
        return self.error is None and self.skipped is None


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def check(self, what: str) -> None:
        if time.monotonic() > self.end:
            raise _Unreadable(f"{what} took longer than the time limit")


class _Unreadable(Exception):
    """Why a document cannot be read (becomes :attr:`Document.error`)."""


def _clean(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\u00a0", " "))
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.splitlines())


def _format_of(name: str, content_type: str = "", head: bytes = b"") -> str:
    lower = name.lower().split("?", 1)[0]
    ctype = content_type.lower()
    if head.startswith(b"%PDF-") or lower.endswith(".pdf") or "application/pdf" in ctype:
        return "pdf"
    if lower.endswith((".md", ".markdown")) or "markdown" in ctype:
        return "markdown"
    if lower.endswith((".html", ".htm", ".xhtml")) or "html" in ctype:
        return "html"
    if lower.endswith(".txt") or ctype.startswith("text/plain"):
        return "text"
    sniff = head[:512].lstrip().lower()
    if sniff.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


# --- parsers ------------------------------------------------------------------------------------


def _sections_markdown(text: str) -> list[Section]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    sections: list[Section] = []
    heading, start = "", 1
    lines: list[str] = []
    row: list[str] | None = None  # cells of the table row being read
    in_heading = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body or heading:
            where = f"section '{heading}'" if heading else f"line {start}"
            sections.append(Section(heading, where, _clean(body)))

    for token in tokens:
        if token.type == "heading_open":
            flush()
            lines = []
            in_heading = True
            start = (token.map[0] + 1) if token.map else start
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            lines.append(" | ".join(row or []))
            row = None
        elif token.type == "inline":
            if in_heading:
                heading = _clean(token.content).replace("\n", " ")
            elif row is not None:
                row.append(token.content)
            else:
                lines.append(token.content)
    flush()
    return sections


def _sections_html(data: bytes) -> list[Section]:
    from lxml import etree, html

    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, recover=True)
    try:
        root = html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise _Unreadable(f"not parseable as HTML ({exc})") from None
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    sections: list[Section] = []
    heading = ""
    parts: list[str] = []
    headings = {"h1", "h2", "h3", "h4", "h5", "h6"}
    blocks = {"p", "li", "tr", "dt", "dd", "pre", "blockquote", "caption", "td", "th", "div", "address"}

    def flush() -> None:
        body = "\n".join(p for p in parts if p).strip()
        if body or heading:
            sections.append(Section(heading, f"section '{heading}'" if heading else "top", _clean(body)))

    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in headings:
            flush()
            parts = []
            heading = _clean(element.text_content()).replace("\n", " ")
        elif tag == "tr":
            cells = [_clean(c.text_content()).replace("\n", " ") for c in element if isinstance(c.tag, str)]
            parts.append(" | ".join(cells))
        elif tag in blocks and not any(
            isinstance(a.tag, str) and a.tag in (blocks | headings) for a in element.iterancestors()
        ):
            parts.append(_clean(element.text_content()).replace("\n", " "))
    flush()
    return sections


def _sections_pdf(data: bytes, limits: DocumentLimits, deadline: _Deadline) -> list[Section]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _Unreadable("the PDF is encrypted")
        count = len(reader.pages)
        sections: list[Section] = []
        for number in range(min(count, limits.max_pages)):
            deadline.check("reading the PDF")
            text = reader.pages[number].extract_text() or ""
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            sections.append(Section(first[:80], f"page {number + 1}", _clean(text)))
    except _Unreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        raise _Unreadable(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    return sections


_UNDERLINE = re.compile(r"^(=+|-+)\s*$")
_NUMBERED = re.compile(r"^(\d+(\.\d+)*\.?\s+)?[A-Z][^.!?]{0,70}$")


def _sections_text(text: str) -> list[Section]:
    """Plain text: a heading is a line underlined with ``===``/``---``, a short line numbered
    ("3. Support period") standing alone between blank lines, or a short line in capitals after
    a blank line ("4 RESETTING"), with or without a blank line under it."""
    lines = text.splitlines()
    sections: list[Section] = []
    heading, start = "", 1
    body: list[str] = []

    def flush() -> None:
        content = "\n".join(body).strip()
        if content or heading:
            where = f"section '{heading}'" if heading else f"line {start}"
            sections.append(Section(heading, where, _clean(content)))

    for n, line in enumerate(lines):
        stripped = line.strip()
        nxt = lines[n + 1].strip() if n + 1 < len(lines) else ""
        prev = lines[n - 1].strip() if n > 0 else ""
        if _UNDERLINE.match(stripped) and body and body[-1].strip():
            continue
        underlined = bool(stripped) and bool(_UNDERLINE.match(nxt))
        numbered = bool(stripped) and not prev and bool(_NUMBERED.match(stripped))
        # Alone between blank lines and numbered or in capitals; a line all in capitals may also
        # sit directly on its text ("4 RESETTING" then the paragraph).
        capital = numbered and (
            stripped.isupper() or (not nxt and (stripped.isupper() or stripped[0].isdigit()))
        )
        if underlined or capital:
            flush()
            heading, start, body = stripped, n + 1, []
        else:
            body.append(line)
    flush()
    return sections


def parse_document(
    name: str, ref: str, data: bytes, *, content_type: str = "", limits: DocumentLimits | None = None
) -> Document:
    """Parse ``data`` (already read, within the size cap) into a :class:`Document`."""
    limits = limits or DocumentLimits()
    deadline = _Deadline(limits.seconds)
    kind = _format_of(ref, content_type, data[:1024])
    try:
        if kind == "pdf":
            sections = _sections_pdf(data, limits, deadline)
        else:
            text = data.decode("utf-8-sig", errors="replace")[: limits.max_chars]
            if "\ufffd" in text[:4096] and text[:4096].count("\ufffd") > 64:
                raise _Unreadable("not text (binary content)")
            if kind == "html":
                sections = _sections_html(text.encode("utf-8"))
            elif kind == "markdown":
                sections = _sections_markdown(text)
            else:
                sections = _sections_text(text)
    except _Unreadable as exc:
        return Document(name, ref, kind, error=str(exc))
    total = 0
    kept: list[Section] = []
    for section in sections:
        total += len(section.text)
        if total > limits.max_chars:
            break
        kept.append(section)
    if not any(s.text.strip() or s.heading for s in kept):
        return Document(name, ref, kind, error="no text could be extracted")
    return Document(name, ref, kind, tuple(kept))


# --- reading ------------------------------------------------------------------------------------


def _read_file(source: DocumentSource, limits: DocumentLimits) -> Document:
    path = source.path
    assert path is not None
    try:
        if not path.is_file():
            what = "does not exist" if not path.exists() else "is not a regular file"
            return Document(source.name, source.ref, error=f"{path} {what}")
        if path.stat().st_size > limits.max_bytes:
            return Document(source.name, source.ref, error=f"larger than {limits.max_bytes} bytes")
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        return Document(source.name, source.ref, error=f"cannot be read ({exc.strerror or exc})")
    return parse_document(source.name, source.ref, data, limits=limits)


def _fetch(source: DocumentSource, limits: DocumentLimits) -> Document:
    import httpx

    assert source.url is not None
    deadline = time.monotonic() + limits.seconds
    url = source.url
    try:
        with httpx.Client(
            timeout=httpx.Timeout(limits.seconds), follow_redirects=False, trust_env=False
        ) as client:
            for _hop in range(limits.max_redirects + 1):
                with client.stream("GET", url, headers={"Accept": "*/*"}) as response:
                    if response.is_redirect:
                        target = response.headers.get("location", "")
                        url = str(response.url.join(target))
                        if not _URL.match(url):
                            return Document(source.name, source.ref, error=f"redirected to {url!r}")
                        continue
                    if response.status_code != 200:
                        return Document(
                            source.name, source.ref, error=f"HTTP {response.status_code} from {url}"
                        )
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limits.max_bytes:
                            return Document(
                                source.name, source.ref, error=f"larger than {limits.max_bytes} bytes"
                            )
                        if time.monotonic() > deadline:
                            return Document(source.name, source.ref, error="download exceeded the time limit")
                        chunks.append(chunk)
                    ctype = response.headers.get("content-type", "")
                    return parse_document(
                        source.name, url, b"".join(chunks), content_type=ctype, limits=limits
                    )
            return Document(source.name, source.ref, error=f"more than {limits.max_redirects} redirects")
    except httpx.HTTPError as exc:
        return Document(source.name, source.ref, error=f"cannot be fetched ({type(exc).__name__}: {exc})")


def read_source(source: DocumentSource, *, fetch: bool, limits: DocumentLimits) -> Document:
    """Read one source, never raising: errors and skips are kept on the :class:`Document`."""
    if source.path is not None:
        return _read_file(source, limits)
    if source.url is not None:
        if not fetch:
            return Document(
                source.name, source.ref, skipped="a URL, not fetched (allow network use with --fetch-docs)"
            )
        return _fetch(source, limits)
    return Document(source.name, source.ref, error="neither a file nor an http(s) URL")


@dataclass(eq=False)
class Documents:
    """The documents a declaration names, read on first use. Checks receive this object."""

    ref: str
    sources: tuple[DocumentSource, ...]
    declaration: Declaration | None = None
    fetch: bool = False
    limits: DocumentLimits = field(default_factory=DocumentLimits)

    kind = TargetKind.DOCUMENTS

    @classmethod
    def from_declaration(
        cls,
        decl: Declaration,
        base_dir: str | Path | None = None,
        *,
        fetch: bool = False,
        limits: DocumentLimits | None = None,
    ) -> Documents:
        """The documents of ``decl``'s ``documentation`` section; relative paths from ``base_dir``
        (default: the declaration's folder). Nothing is read or fetched yet."""
        base = Path(base_dir) if base_dir is not None else Path(decl.ref).parent
        return cls.from_links(decl.documentation, base, fetch=fetch, limits=limits, declaration=decl)

    @classmethod
    def from_links(
        cls,
        links: Mapping[str, str],
        base_dir: Path,
        *,
        fetch: bool = False,
        limits: DocumentLimits | None = None,
        declaration: Declaration | None = None,
    ) -> Documents:
        sources: list[DocumentSource] = []
        for name, ref in links.items():
            if _URL.match(ref):
                sources.append(DocumentSource(name, ref, url=ref))
            elif ref.startswith("file:"):
                from urllib.parse import unquote, urlparse

                sources.append(DocumentSource(name, ref, path=Path(unquote(urlparse(ref).path))))
            elif ref.startswith("mailto:"):
                continue  # a contact, not a document
            else:
                sources.append(DocumentSource(name, ref, path=base_dir / ref))
        return cls(
            ref=str(base_dir),
            sources=tuple(sources),
            declaration=declaration,
            fetch=fetch,
            limits=limits or DocumentLimits(),
        )

    @fact
    def documents(self) -> tuple[Document, ...]:
        """Every source, read (or the reason it was not)."""
        return tuple(read_source(s, fetch=self.fetch, limits=self.limits) for s in self.sources)

    @property
    def readable(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.read)

    def describe(self) -> dict[str, Any]:
        return {
            d.name: (
                {"ref": d.ref, "format": d.format}
                | ({"error": d.error} if d.error else {})
                | ({"skipped": d.skipped} if d.skipped else {})
            )
            for d in self.documents
        }

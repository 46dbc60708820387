"""Information elements: what the manufacturer's documents must say, and where they say it.

The elements are data (``assess/data/information_elements.yaml``): per element its title, the
requirements it serves, heading and keyword patterns, and the structured content to compare with
the declaration (a date, a contact, component names). :func:`find_element` looks for one element
in the read documents and returns every place it was found, each with the document, the section
or page and a short quote (bounded, control characters removed; reports escape it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from securable.assess.targets.documents import Document, Documents, Section

__all__ = [
    "Hit",
    "InformationElement",
    "PartialDate",
    "extract_contacts",
    "extract_dates",
    "find_element",
    "load_elements",
    "quote",
]

QUOTE_CHARS = 160


@dataclass(frozen=True)
class InformationElement:
    key: str
    title: str
    requirements: tuple[str, ...]
    settles: bool
    review: str
    extract: str
    headings: tuple[re.Pattern[str], ...]
    patterns: tuple[re.Pattern[str], ...]
    concepts: tuple[re.Pattern[str], ...] = ()  # every group must occur in one sentence


@dataclass(frozen=True)
class Hit:
    """One place an element was found."""

    document: str  # the declaration's name for the document
    ref: str  # its path or URL
    where: str  # "section 'Support period'", "page 2"
    quote: str
    section: Section
    line: str  # the matching line (or the section's first line for a heading match)

    def to_json(self) -> dict[str, str]:
        return {"document": self.document, "ref": self.ref, "where": self.where, "quote": self.quote}


def _compile(values: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"information_elements.yaml: {where} must be a list of patterns")
    return tuple(re.compile(v, re.IGNORECASE) for v in values)


def _concepts(values: Any, where: str) -> tuple[re.Pattern[str], ...]:
    """Each group of alternative terms as one pattern anchored at a word start."""
    if values is None:
        return ()
    if not isinstance(values, list) or not all(
        isinstance(g, list) and g and all(isinstance(t, str) for t in g) for g in values
    ):
        raise ValueError(f"information_elements.yaml: {where} must be a list of lists of terms")
    return tuple(re.compile(r"(?<![\w])(?:" + "|".join(group) + ")", re.IGNORECASE) for group in values)


@functools.cache
def load_elements() -> dict[str, InformationElement]:
    """The information elements, by key (package data, read once)."""
    text = resources.files("securable.assess").joinpath("data/information_elements.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or data.get("schema") != "securable/information-elements/v1":
        raise ValueError("information_elements.yaml: schema must be securable/information-elements/v1")
    out: dict[str, InformationElement] = {}
    for key, raw in (data.get("elements") or {}).items():
        if not raw.get("headings") and not raw.get("patterns") and not raw.get("concepts"):
            raise ValueError(f"information_elements.yaml: {key} has no headings, patterns or concepts")
        out[str(key)] = InformationElement(
            key=str(key),
            title=str(raw["title"]),
            requirements=tuple(raw.get("requirements") or ()),
            settles=bool(raw.get("settles", False)),
            review=str(raw.get("review", "")),
            extract=str(raw.get("extract", "")),
            headings=_compile(raw.get("headings"), f"{key}.headings"),
            patterns=_compile(raw.get("patterns"), f"{key}.patterns"),
            concepts=_concepts(raw.get("concepts"), f"{key}.concepts"),
        )
    return out


def quote(text: str, start: int = 0, end: int | None = None, limit: int = QUOTE_CHARS) -> str:
    """A short, single-line excerpt of ``text`` around ``start:end``, at most ``limit`` characters."""
    flat = " ".join(text.split())
    if end is None:
        end = start
    if len(flat) <= limit:
        return flat
    # find the match in the flattened text by position ratio; good enough for a quote
    centre = int((start + end) / 2 * len(flat) / max(1, len(text)))
    lo = max(0, min(centre - limit // 2, len(flat) - limit))
    piece = flat[lo : lo + limit]
    return ("…" if lo > 0 else "") + piece.strip() + ("…" if lo + limit < len(flat) else "")


def _first_sentence(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _heading_like(line: str) -> bool:
    """A short line without a closing full stop (a heading inside a PDF page or a leaflet), or a
    question standing alone (the question of a FAQ heads its answer)."""
    words = line.split()
    stripped = line.rstrip().rstrip("*_ ")
    if stripped.endswith("?"):
        return 0 < len(words) <= 16
    return 0 < len(words) <= 8 and not stripped.endswith((".", ",", ";", ":"))


def _section_hits(doc: Document, section: Section, element: InformationElement) -> Iterable[Hit]:
    heading = section.heading
    if heading and section.text.strip() and any(p.search(heading) for p in element.headings):
        line = _first_sentence(section.text)
        yield Hit(doc.name, doc.ref, section.where, quote(f"{heading}: {line}"), section, line)
    lines = [line for line in section.text.splitlines() if line.strip()]
    for n, line in enumerate(lines):
        if _heading_like(line) and n + 1 < len(lines) and any(p.search(line) for p in element.headings):
            after = lines[n + 1]
            yield Hit(doc.name, doc.ref, section.where, quote(f"{line}: {after}"), section, after)
            continue
        # a sentence may wrap onto the next line (PDF pages, plain text): try the pair too
        candidates = (line, f"{line} {lines[n + 1]}") if n + 1 < len(lines) else (line,)
        for text in candidates:
            match = next((m for m in (p.search(text) for p in element.patterns) if m), None)
            if match is None:
                match = _concept_match(text, element)
            if match:
                excerpt = quote(text, match.start(), match.end())
                yield Hit(doc.name, doc.ref, section.where, excerpt, section, text)
                break


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def _concept_match(text: str, element: InformationElement) -> re.Match[str] | None:
    """The first term of a sentence of ``text`` that holds a term of every concept group."""
    if not element.concepts:
        return None
    for sentence in _SENTENCE_END.split(text):
        matches = [group.search(sentence) for group in element.concepts]
        if all(matches):
            first = matches[0]
            assert first is not None
            offset = text.find(sentence)
            return re.compile(re.escape(first.group(0))).search(text, max(0, offset))
    return None


def find_element(documents: Documents, element: InformationElement) -> list[Hit]:
    """Where ``element`` is found in the readable documents: heading hits first, then keyword hits."""
    hits: list[Hit] = []
    for doc in documents.readable:
        for section in doc.sections:
            for hit in _section_hits(doc, section, element):
                if len(hits) >= 50:
                    return hits
                hits.append(hit)
    unique: list[Hit] = []
    seen: set[tuple[str, str, str]] = set()
    for hit in hits:
        key = (hit.ref, hit.where, hit.line)
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique


# --- structured content -------------------------------------------------------------------------

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_DATES = (
    ("ymd", re.compile(r"\b(?P<y>(19|20)\d\d)-(?P<m>0[1-9]|1[0-2])(-(?P<d>0[1-9]|[12]\d|3[01]))?\b")),
    (
        "dmy",
        re.compile(
            rf"\b(?P<d>[0-3]?\d)(st|nd|rd|th)?\s+(of\s+)?(?P<mn>{_MONTH}),?\s+(?P<y>(19|20)\d\d)\b", re.I
        ),
    ),
    ("mdy", re.compile(rf"\b(?P<mn>{_MONTH})\s+(?P<d>[0-3]?\d)(st|nd|rd|th)?,\s*(?P<y>(19|20)\d\d)\b", re.I)),
    ("my", re.compile(rf"\b(?P<mn>{_MONTH})\s+(?P<y>(19|20)\d\d)\b", re.I)),
    ("dotted", re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(19|20)\d\d)\b")),
    ("slash", re.compile(r"\b(?P<m>0?[1-9]|1[0-2])/(?P<y>(19|20)\d\d)\b")),
)


@dataclass(frozen=True)
class PartialDate:
    """A date as written: year and month, and the day when the text gives one."""

    year: int
    month: int
    day: int | None
    text: str

    def last_day(self) -> dt.date:
        day = self.day or calendar.monthrange(self.year, self.month)[1]
        return dt.date(self.year, self.month, day)

    def agrees_with(self, declared: str) -> bool:
        """Same month as the declared ``YYYY-MM``/``YYYY-MM-DD``, and same day when both give one."""
        parts = [int(p) for p in declared.split("-")]
        if (parts[0], parts[1]) != (self.year, self.month):
            return False
        if len(parts) == 3 and self.day is not None:
            return parts[2] == self.day
        if len(parts) == 3 and self.day is None:
            return parts[2] == calendar.monthrange(self.year, self.month)[1]
        return self.day is None or self.day == calendar.monthrange(self.year, self.month)[1]


def extract_dates(text: str) -> list[PartialDate]:
    """Every date in ``text`` in document order (ISO, "31 December 2031", "December 31, 2031",
    "December 2031", "31.12.2031", "12/2031"); a date inside a longer one is counted once."""
    found: list[tuple[int, int, PartialDate]] = []
    for _kind, pattern in _DATES:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e, _d in found):
                continue
            groups = match.groupdict()
            month = int(groups["m"]) if groups.get("m") else _MONTHS.get(groups["mn"].lower().rstrip("."), 0)
            if not month and groups.get("mn", "").lower().startswith("sept"):
                month = 9
            day = int(groups["d"]) if groups.get("d") else None
            try:
                year = int(groups["y"])
                if not 1 <= month <= 12:
                    continue
                if day is not None:
                    dt.date(year, month, day)
            except ValueError:
                continue
            found.append((match.start(), match.end(), PartialDate(year, month, day, match.group(0))))
    return [d for _s, _e, d in sorted(found, key=lambda t: t[0])]


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_LINK = re.compile(r"https?://[^\s<>()\"'|]+")


def extract_contacts(text: str) -> list[str]:
    """E-mail addresses and http(s) URLs in ``text``, in order, without duplicates."""
    out = [m.group(0).rstrip(".,;:") for m in _EMAIL.finditer(text)]
    out += [m.group(0).rstrip(".,;:") for m in _LINK.finditer(text)]
    return list(dict.fromkeys(out))

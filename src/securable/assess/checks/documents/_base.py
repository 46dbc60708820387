"""The typed base of the document checks, and the element-finding logic they share.

An :class:`ElementsCheck` names the information elements (``information_elements.yaml``) it
looks for; for each it yields one finding:

* found, and the element settles its requirements (and agrees with the declaration where it
  carries a date, contact or component list) — ``pass`` with where it was found;
* found, but a person must still judge it — ``manual`` with the evidence and what to judge;
* found, but disagreeing with the declaration — ``fail`` naming both values;
* missing from every readable document — ``fail`` naming the element; ``error`` instead when a
  declared document could not be read (the element may be in it), ``inconclusive`` when only
  URLs that were not fetched remain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

from securable.assess.check import Check
from securable.assess.facts.documents import (
    Hit,
    InformationElement,
    extract_contacts,
    extract_dates,
    find_element,
    load_elements,
)
from securable.assess.model import Finding, Location, TargetKind, Verdict
from securable.assess.targets.documents import Documents

__all__ = ["DocumentsCheck", "ElementsCheck"]

_SHOWN = 3  # hits kept as evidence per element


def document_location(hit: Hit) -> Location:
    """Where a document is, in the report's location shape: host, port and path for a fetched
    URL (``--fetch-docs``), the file path when it is absolute, else the declaration's entry."""
    ref = hit.ref
    if ref.lower().startswith(("http://", "https://")):
        parts = urlsplit(ref)
        scheme = parts.scheme.lower()
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            port = None
        return Location(host=parts.hostname or "", port=port, service=scheme, path=parts.path or "/")
    if ref.startswith("/"):
        return Location(path=ref)
    return Location(field=f"documentation.{hit.document}")


class DocumentsCheck(Check[Documents]):
    """A check of the manufacturer's documents: receives the :class:`Documents` target."""

    target = TargetKind.DOCUMENTS


class ElementsCheck(DocumentsCheck):
    """Looks for :attr:`elements` in the documents; subclasses set ``id``, ``title``,
    ``remediation`` and ``elements`` (keys of ``information_elements.yaml``)."""

    elements: ClassVar[tuple[str, ...]] = ()

    def _requirements(self, element: InformationElement) -> tuple[str, ...]:
        own = [r for r in self.evidences if r in element.requirements]
        others = [r for r in self.evidences if not r.startswith("nistir8425:")]
        return tuple(own + others) if own else tuple(self.evidences)

    def run(self, target: Documents) -> Iterable[Finding]:
        docs = target
        if not docs.sources:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "the declaration lists no documents to read (add them under documentation:)",
                location=Location(field="documentation"),
            )
            return
        catalog = load_elements()
        for key in self.elements:
            yield from self._element(docs, catalog[key])

    def _element(self, docs: Documents, element: InformationElement) -> Iterator[Finding]:
        requirements = self._requirements(element)
        hits = find_element(docs, element)
        read = [d.name for d in docs.readable]
        base: dict[str, Any] = {"element": element.key, "documents_read": read}
        if not hits:
            broken = [d for d in docs.documents if d.error]
            skipped = [d for d in docs.documents if d.skipped]
            if broken:
                names = ", ".join(f"'{d.name}' ({d.ref}: {d.error})" for d in broken)
                yield self.finding(
                    Verdict.ERROR,
                    f"{element.title}: not found in the documents read, and {names} could not be read",
                    evidence={**base, "unreadable": {d.name: d.error for d in broken}},
                    requirements=requirements,
                )
            elif skipped and not read:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{element.title}: the documents are URLs that were not fetched "
                    "(allow network use for documents with --fetch-docs)",
                    evidence={**base, "not_fetched": [d.ref for d in skipped]},
                    requirements=requirements,
                )
            else:
                suffix = f"; {len(skipped)} URL(s) not fetched" if skipped else ""
                yield self.finding(
                    Verdict.FAIL,
                    f"missing from the documents: {element.title} (looked in {', '.join(read)}{suffix})",
                    evidence={**base, "missing": True, "not_fetched": [d.ref for d in skipped]},
                    requirements=requirements,
                )
            return
        shown = [h.to_json() for h in hits[:_SHOWN]]
        where = f"{hits[0].document}, {hits[0].where}"
        evidence: dict[str, Any] = {**base, "found": shown}
        if element.extract:
            verdict, message = self._compare(docs, element, hits, evidence)
            if verdict is not None:
                yield self.finding(
                    verdict,
                    message,
                    location=document_location(hits[0]),
                    evidence=evidence,
                    requirements=requirements,
                )
                return
        if element.settles:
            yield self.finding(
                Verdict.PASS,
                f"{element.title}: found in {where}: “{hits[0].quote}”",
                location=document_location(hits[0]),
                evidence=evidence,
                requirements=requirements,
            )
        else:
            yield self.finding(
                Verdict.MANUAL,
                f"{element.title}: found in {where}; a reviewer must still judge {element.review}",
                location=document_location(hits[0]),
                evidence={**evidence, "review": element.review},
                requirements=requirements,
            )

    # --- structured comparisons -------------------------------------------------------------

    def _compare(
        self, docs: Documents, element: InformationElement, hits: list[Hit], evidence: dict[str, Any]
    ) -> tuple[Verdict | None, str]:
        decl = docs.declaration
        if element.extract == "date":
            return self._compare_date(decl, element, hits, evidence)
        if element.extract == "contact":
            return self._compare_contact(decl, element, hits, evidence)
        if element.extract == "components":
            return self._compare_components(docs, element, evidence)
        return None, ""

    def _compare_date(
        self, decl: Any, element: InformationElement, hits: list[Hit], evidence: dict[str, Any]
    ) -> tuple[Verdict | None, str]:
        declared = str((decl.section("support") if decl is not None else {}).get("end", "")) or None
        for hit in hits:
            dates = extract_dates(hit.line) or extract_dates(hit.section.text)
            if not dates:
                continue
            published = dates[-1] if len(dates) > 1 and "from" in hit.line.lower() else dates[0]
            evidence["published_end"] = published.text
            evidence["published_at"] = hit.to_json()
            if declared is None:
                return Verdict.MANUAL, (
                    f"{element.title}: documents give {published.text} ({hit.document}, {hit.where}); "
                    "the declaration gives no support.end to compare with"
                )
            evidence["declared_end"] = declared
            if published.agrees_with(declared):
                return Verdict.PASS, (
                    f"{element.title}: {hit.document} ({hit.where}) gives {published.text}, "
                    f"as the declaration does ({declared})"
                )
            return Verdict.FAIL, (
                f"{element.title}: {hit.document} ({hit.where}) gives {published.text} but the declaration "
                f"says {declared}"
            )
        unsupported = [h for h in hits if "no longer" in h.line.lower() or "unsupported" in h.line.lower()]
        if unsupported:
            hit = unsupported[0]
            evidence["published_at"] = hit.to_json()
            if declared is not None and _month_end(declared) >= dt.date.today():
                return Verdict.FAIL, (
                    f"{element.title}: {hit.document} ({hit.where}) says the product is unsupported, "
                    f"but the declaration's support runs to {declared}"
                )
            return (
                Verdict.PASS,
                f"{element.title}: {hit.document} ({hit.where}) states the product is unsupported",
            )
        return Verdict.FAIL, (
            f"{element.title}: {hits[0].document} ({hits[0].where}) speaks of support but gives no end date"
        )

    def _compare_contact(
        self, decl: Any, element: InformationElement, hits: list[Hit], evidence: dict[str, Any]
    ) -> tuple[Verdict | None, str]:
        declared = str((decl.section("disclosure") if decl is not None else {}).get("contact", "")).strip()
        declared = declared.removeprefix("mailto:")
        published: list[str] = []
        for hit in hits:
            published += extract_contacts(hit.line) or extract_contacts(hit.section.text)
        published = list(dict.fromkeys(published))
        evidence["published_contacts"] = published[:5]
        if not published:
            return Verdict.FAIL, (
                f"{element.title}: {hits[0].document} ({hits[0].where}) mentions reporting but gives no "
                "e-mail address or URL to report to"
            )
        if not declared:
            return Verdict.PASS, f"{element.title}: {hits[0].document} gives {published[0]}"
        evidence["declared_contact"] = declared
        if any(declared.lower() == p.lower().removeprefix("mailto:") for p in published):
            return (
                Verdict.PASS,
                f"{element.title}: {declared}, as declared ({hits[0].document}, {hits[0].where})",
            )
        return Verdict.FAIL, (
            f"{element.title}: the documents give {', '.join(published[:3])} but the declaration's "
            f"disclosure contact is {declared}"
        )

    def _compare_components(
        self, docs: Documents, element: InformationElement, evidence: dict[str, Any]
    ) -> tuple[Verdict | None, str]:
        decl = docs.declaration
        names = [str(c.get("name", "")) for c in (decl.items("components") if decl is not None else [])]
        names = [n for n in names if n]
        if not names:
            return None, ""
        text = "\n".join(s.heading + "\n" + s.text for d in docs.readable for s in d.sections).lower()
        missing = [n for n in names if n.lower() not in " ".join(text.split())]
        evidence["declared_components"] = names
        if missing:
            evidence["components_not_named"] = missing
            return Verdict.FAIL, (
                f"{element.title}: the documents do not name the declared component(s) {', '.join(missing)}"
            )
        return Verdict.PASS, f"{element.title}: every declared component is named ({', '.join(names)})"


def _month_end(value: str) -> dt.date:
    from securable.assess.targets.declaration import month_end

    return month_end(value)

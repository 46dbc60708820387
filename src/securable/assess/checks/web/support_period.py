"""``web.support-period``: the product page publishes the declared end of the support period."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from securable.assess.check import Remediation
from securable.assess.checks.web._common import PRESENCE, WebCheck, why_not
from securable.assess.facts.documents import PartialDate, extract_dates
from securable.assess.model import Finding, Location, Severity, TargetKind, Verdict
from securable.assess.targets.documents import parse_document
from securable.assess.targets.web import WebResponse, WebSite, json_of, same_host
from securable.assess.targets.web.fetch import Fetcher

_SUPPORT_KEY = re.compile(r"support.*(end|until)|end.*support|end_of_(life|support)|\beol\b", re.IGNORECASE)
_SUPPORT_TEXT = re.compile(r"support|security updates|updates until|end of life", re.IGNORECASE)


def json_dates(value: Any, key: str = "") -> list[tuple[str, PartialDate]]:
    """(key path, date) for every date under a key that names the support end, at any depth —
    so a re-arranged ``product.json`` (registry fields moved into a sub-object) still reads."""
    out: list[tuple[str, PartialDate]] = []
    if isinstance(value, dict):
        for name, item in value.items():
            out += json_dates(item, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            out += json_dates(item, f"{key}[{n}]")
    elif isinstance(value, str) and _SUPPORT_KEY.search(key.rsplit(".", 1)[-1]):
        out += [(key, d) for d in extract_dates(value)]
    return out


def html_dates(resp: WebResponse) -> list[tuple[str, PartialDate]]:
    """(where, date) for every date in a section of the page that speaks of support."""
    doc = parse_document("product page", resp.url, resp.body, content_type=resp.header("content-type"))
    out: list[tuple[str, PartialDate]] = []
    for section in doc.sections:
        for line in section.text.splitlines():
            if _SUPPORT_TEXT.search(section.heading) or _SUPPORT_TEXT.search(line):
                out += [(section.where, d) for d in extract_dates(line)]
    return out


class SupportPeriodPageCheck(WebCheck):
    """The product page (``web.product_page``, else ``support.statement_url``, else
    ``product.url`` of the declaration) states the same end of the security support period as
    the declaration's ``support.end``.

    Customers decide on the published date; a page that says something else than the
    conformance statement misleads them, and one that says nothing hides it. The page is read as
    JSON (any key naming the support end, at any depth, so registry fields that move still read)
    and as HTML (dates in the sections and lines that speak of support), and its ``product.json``
    beside it, the portal's machine-readable record, when there is one. A date found that differs
    from the declaration is a failure; so is a page that states none.
    """

    id = "web.support-period"
    title = "The product page publishes the declared support period"
    severity = Severity.MEDIUM
    roles = frozenset({PRESENCE})
    remediation = Remediation(
        summary="Publish the end of the security support period (month and year at least) on the "
        "product page, the same as support.end in the declaration.",
        example='<p id="support-end">Security updates until <time datetime="2031-06-30">June 2031</time></p>',
        references=("nistir8425:ID-1b", "nistir8425:EA-1e", "cra:AII.7"),
    )

    def _declaration(self) -> Any:
        return None if self.context is None else self.context.targets.get(TargetKind.DECLARATION)

    def run(self, target: Any) -> Iterator[Finding]:
        decl = self._declaration()
        if decl is None or not decl.support.end_text:
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                "the declaration gives no support.end to compare the product page with",
                location=Location(field="support.end"),
                evidence={"scope": "check"},
            )
            return
        yield from super().run(target)

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        decl = self._declaration()
        declared: str = decl.support.end_text
        page = site.product_page
        if not page:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "the declaration names no product page "
                "(web.product_page, support.statement_url or product.url)",
                location=Location(field="web.product_page"),
            )
            return
        fetcher = site.fetcher if same_host(page, site.url) else Fetcher(page, site.limits)
        try:
            found, sources, failures = self._read(fetcher, page)
        finally:
            if fetcher is not site.fetcher:
                fetcher.close()
        loc = Location(field="support.end") if not found else site.location(sources[0])
        evidence: dict[str, Any] = {
            "product_page": page,
            "declared_end": declared,
            "published": [{"where": w, "date": d.text} for w, d in found[:10]],
            "read": sources,
            "not_read": failures,
        }
        if not sources:
            yield self.finding(
                Verdict.FAIL,
                f"the product page {page} cannot be read: {'; '.join(failures)}",
                location=loc,
                evidence=evidence,
            )
            return
        if not found:
            yield self.finding(
                Verdict.FAIL,
                f"the product page {page} states no end of the support period (declared: {declared})",
                location=loc,
                evidence=evidence,
            )
            return
        differing = sorted({d.text for _w, d in found if not d.agrees_with(declared)})
        if differing:
            yield self.finding(
                Verdict.FAIL,
                f"the product page {page} states support until {', '.join(differing)}, "
                f"the declaration {declared}",
                location=loc,
                evidence=evidence,
            )
            return
        yield self.finding(
            Verdict.PASS,
            f"the product page {page} states support until {found[0][1].text}, as declared ({declared})",
            location=loc,
            evidence=evidence,
        )

    @staticmethod
    def _read(fetcher: Fetcher, page: str) -> tuple[list[tuple[str, PartialDate]], list[str], list[str]]:
        found: list[tuple[str, PartialDate]] = []
        sources: list[str] = []
        failures: list[str] = []
        for url in (page, page.rstrip("/") + "/product.json"):
            resp = fetcher.get(url)
            if not resp.ok:
                if url == page:
                    failures.append(f"{url}: {why_not(resp)}")
                continue
            sources.append(resp.path)
            doc = json_of(resp)
            if doc is not None:
                found += [(f"{resp.path} {key}", date) for key, date in json_dates(doc)]
            elif "html" in resp.header("content-type") or resp.body.lstrip()[:1] == b"<":
                found += [(f"{resp.path} {where}", date) for where, date in html_dates(resp)]
        return found, sources, failures

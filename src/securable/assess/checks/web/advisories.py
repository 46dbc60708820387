"""``web.vulnerability-advisories``: every known vulnerability of the product has a published
advisory or VEX statement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from securable.assess.check import Remediation
from securable.assess.checks.web._common import PRESENCE, WebCheck
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, TargetKind, Verdict
from securable.assess.targets.web import WebSite, json_of, same_host
from securable.assess.targets.web.fetch import Fetcher
from securable.assess.vulndb import VulnDB, VulnMatch


def urls_in(value: Any) -> Iterator[str]:
    """Every http(s) URL among the string values of a JSON document."""
    if isinstance(value, dict):
        for item in value.values():
            yield from urls_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from urls_in(item)
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        yield value


def csaf_document_urls(site: WebSite) -> list[str]:
    """The CSAF documents the provider metadata lists: each ROLIE feed's entries, and the
    ``index.txt`` of each directory distribution."""
    meta = json_of(site.provider_metadata)
    if not isinstance(meta, dict):
        return []
    out: list[str] = []
    for dist in meta.get("distributions") or []:
        if not isinstance(dist, dict):
            continue
        feeds = (dist.get("rolie") or {}).get("feeds") or [] if isinstance(dist.get("rolie"), dict) else []
        for feed in feeds:
            url = feed.get("url") if isinstance(feed, dict) else None
            doc = json_of(site.get(url)) if isinstance(url, str) else None
            entries = ((doc or {}).get("feed") or {}).get("entry") or [] if isinstance(doc, dict) else []
            for entry in entries:
                src = (entry.get("content") or {}).get("src") if isinstance(entry, dict) else None
                if isinstance(src, str):
                    out.append(src)
        directory = dist.get("directory_url")
        if isinstance(directory, str):
            index = site.get(directory.rstrip("/") + "/index.txt")
            if index.ok:
                base = directory.rstrip("/") + "/"
                out += [base + line.strip() for line in index.text.splitlines()[:1000] if line.strip()]
    return list(dict.fromkeys(out))


def vex_document_urls(site: WebSite, fetcher: Fetcher) -> list[str]:
    """VEX documents linked from the product page's machine-readable record (``product.json``)."""
    page = site.product_page
    if not page:
        return []
    record = json_of(fetcher.get(page.rstrip("/") + "/product.json")) or json_of(fetcher.get(page))
    return [u for u in dict.fromkeys(urls_in(record)) if "vex" in u.lower() and u.endswith(".json")]


def known_vulnerabilities(context: Any) -> tuple[list[VulnMatch] | None, str]:
    """The firmware's known vulnerabilities (what ``fw.sbom.known-vulnerabilities`` reports), or
    ``None`` and why they cannot be known in this run."""
    firmware = None if context is None else context.targets.get(TargetKind.FIRMWARE)
    if firmware is None:
        return None, "no firmware image in this run, so no known vulnerabilities to look up"
    view = firmware if isinstance(firmware, FirmwareView) else FirmwareView.of(firmware)
    folder: Path | None = context.vulndb or view.vulndb
    if folder is None:
        return None, "no vulnerability records given (--vulndb), so no known vulnerabilities to look up"
    if not view.packages.components:
        return None, "the firmware image holds no package metadata to match vulnerabilities against"
    return VulnDB.load(folder).match(view.packages), ""


class VulnerabilityAdvisoriesCheck(WebCheck):
    """Every known vulnerability found in this assessment (the firmware inventory matched against
    ``--vulndb``, as ``fw.sbom.known-vulnerabilities`` does) is named — by its ID or an alias — in
    a CSAF advisory the site's provider metadata lists, or in a VEX document linked from the
    product page's ``product.json``.

    A known vulnerability the manufacturer says nothing about leaves customers unable to tell
    whether they are exposed; an advisory (fixed, how to update) or a VEX statement (not
    affected, and why) settles it. At most ``WebLimits.max_documents`` documents are read, on the
    site's or the product page's host only. Fix a failure by publishing an advisory or a VEX
    statement for each vulnerability listed (the portal does both).
    """

    id = "web.vulnerability-advisories"
    title = "Known vulnerabilities have a published advisory or VEX statement"
    severity = Severity.HIGH
    roles = frozenset({PRESENCE})
    remediation = Remediation(
        summary="Publish a CSAF advisory (affected and fixed) or a VEX statement (not affected, with "
        "the justification) for every known vulnerability of the shipped components.",
        example="securable portal: POST /api/v1/admin/vex, then publish an advisory naming the CVE",
        references=("nistir8425:ID-1d", "cra:II.4", "cra:II.8"),
    )

    def run(self, target: Any) -> Iterator[Finding]:
        matches, why = known_vulnerabilities(self.context)
        if matches is None:
            yield self.finding(Verdict.NOT_APPLICABLE, why, evidence={"scope": "check"})
            return
        if not matches:
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                "no known vulnerability was found in this assessment: nothing needs an advisory",
                evidence={"scope": "check"},
            )
            return
        self._matches = matches
        yield from super().run(target)

    def check_site(self, site: WebSite) -> Iterator[Finding]:
        page = site.product_page
        other = Fetcher(page, site.limits) if page and not same_host(page, site.url) else None
        try:
            urls = csaf_document_urls(site) + vex_document_urls(site, other or site.fetcher)
            texts: dict[str, str] = {}
            for url in urls[: site.limits.max_documents]:
                fetcher = site.fetcher if same_host(url, site.url) else other
                if fetcher is None or not same_host(url, fetcher.base):
                    continue
                resp = fetcher.get(url)
                if resp.ok:
                    texts[url] = resp.text
        finally:
            if other is not None:
                other.close()
        read = {"documents_listed": len(urls), "documents_read": len(texts)}
        for match in self._matches:
            names = [match.id, *match.aliases]
            # whole IDs only: CVE-2026-4000 is not named by a document about CVE-2026-40001
            pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w-])" for n in names))
            covering = [u for u, text in texts.items() if pattern.search(text)]
            evidence = {
                "vulnerability": match.id,
                "aliases": list(match.aliases),
                "component": match.component.name,
                "version": match.component.version,
                "published_in": covering[:5],
                **read,
            }
            label = match.id + (f" ({', '.join(match.aliases[:2])})" if match.aliases else "")
            if covering:
                yield self.finding(
                    Verdict.PASS,
                    f"{label} in {match.component.name} {match.component.version} is published in "
                    f"{covering[0]}",
                    location=site.location(),
                    evidence=evidence,
                )
            else:
                yield self.finding(
                    Verdict.FAIL,
                    f"{label} in {match.component.name} {match.component.version} has no published advisory "
                    f"or VEX statement ({len(texts)} documents read on {site.url})",
                    location=Location(path=match.component.path) if match.component.path else site.location(),
                    evidence=evidence,
                )

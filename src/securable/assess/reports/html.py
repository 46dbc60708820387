"""``report.html``: one self-contained page a person would rather read than the JSON.

Jinja2 with autoescaping on for every value (names from a hostile image may hold markup), no
scripts, no external resources: CSS is inline and the page works offline and from an e-mail. The
banner is green only when nothing failed and nothing is open. Sections: summary per top-level
outcome of the profile (e.g. NIST IR 8425 IAC, SU...), the requirement table with crosswalk columns
(EN 303 645 and CRA items and their carried-over verdicts), every finding with its evidence, targets
with anything refused while opening them, and per-check timings.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import jinja2
import markupsafe

from securable.assess.assessment import SUMMARY_KEYS, Assessment
from securable.assess.reports import diagram

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("securable.assess", "templates"),
    autoescape=True,  # every value, whatever the file name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def outcome(summary: dict[str, int]) -> tuple[str, str]:
    """The banner: ``(css class, sentence)``. Green only when nothing is failed *or* open.

    "No requirement failed" alone reads like compliance when most requirements still wait for a
    person; the sentence names what is open so nobody mistakes an unfinished report for a pass.
    """
    open_parts = []
    for key, words in (
        ("manual", "need a person's review"),
        ("inconclusive", "could not be decided"),
        ("error", "hit a check error"),
        ("not_assessed", "were not assessed"),
    ):
        if summary.get(key):
            open_parts.append(f"{summary[key]} {words}")
    rest = ", ".join(open_parts)
    if summary.get("fail"):
        head = f"{summary['fail']} requirement(s) failed"
        return "fail", f"{head} — {rest}." if rest else f"{head}."
    if rest:
        return "open", f"No requirement failed — {rest}."
    return "ok", "Every requirement of the profile passed or does not apply."


def _for_page(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence as the page shows it: a long per-item table (``rows``: one per binary, one per
    certificate) is counted, not printed; report.json keeps it whole."""
    rows = evidence.get("rows")
    if isinstance(rows, list) and len(rows) > 20:
        return {**evidence, "rows": f"{len(rows)} rows: the full table is in report.json"}
    return evidence


def render(assessment: Assessment) -> bytes:
    data = assessment.to_json()  # display-safe strings (undecodable bytes already escaped)
    crosswalk = {c["id"]: c["verdict"] for c in data.get("crosswalk", [])}
    groups: dict[str, dict[str, Any]] = {}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for req in assessment.requirements:
        groups.setdefault(req.group, {"id": req.group, "title": req.group_title})
        counts[req.group][req.verdict.value] += 1
    fixes = {c["id"]: c["remediation"] for c in data.get("checks", []) if c.get("remediation")}
    findings = [
        {
            **f,
            "evidence_text": json.dumps(_for_page(f["evidence"]), indent=2, ensure_ascii=False)
            if f["evidence"]
            else "",
            "fix": fixes.get(f["check"]) if f["verdict"] in ("fail", "inconclusive", "manual") else None,
        }
        for f in data["findings"]
    ]
    banner_class, banner_text = outcome(data["summary"])
    product = data.get("product")
    # Graphviz output, reduced to an allow-list of drawing elements (see diagram.py): safe inline.
    product_svg = markupsafe.Markup(drawn) if product and (drawn := diagram.svg(product)) else None  # noqa: S704
    page = _ENV.get_template("report.html.j2").render(
        report=data,
        profile_title=assessment.profile_title,
        duration=f"{assessment.duration:.2f}",
        verdict_keys=SUMMARY_KEYS,
        groups=[{**g, "counts": dict(counts[g["id"]])} for g in groups.values()],
        requirements=data["requirements"],
        crosswalk=crosswalk,
        crosswalk_frameworks=["en303645", "cra"],
        findings=findings,
        failed=assessment.failed,
        banner_class=banner_class,
        banner_text=banner_text,
        product=product,
        product_svg=product_svg,
        edge_colours=diagram.COLOURS,
    )
    return page.encode("utf-8")

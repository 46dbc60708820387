"""``report.html``: one self-contained page a person would rather read than the JSON.

Jinja2 with autoescaping on for every value (names from a hostile image may hold markup), no
scripts, no external resources: CSS is inline and the page works offline and from an e-mail.
Sections: summary per top-level outcome of the profile (e.g. NIST IR 8425 IAC, SU...), the
requirement table with crosswalk columns (EN 303 645 and CRA items and their carried-over
verdicts), every finding with its evidence, targets with anything refused while opening them,
and per-check timings.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import jinja2

from securable.assess.assessment import SUMMARY_KEYS, Assessment

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("securable.assess", "templates"),
    autoescape=True,  # every value, whatever the file name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(assessment: Assessment) -> bytes:
    data = assessment.to_json()  # display-safe strings (undecodable bytes already escaped)
    crosswalk = {c["id"]: c["verdict"] for c in data.get("crosswalk", [])}
    groups: dict[str, dict[str, Any]] = {}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for req in assessment.requirements:
        groups.setdefault(req.group, {"id": req.group, "title": req.group_title})
        counts[req.group][req.verdict.value] += 1
    findings = [
        {
            **f,
            "evidence_text": json.dumps(f["evidence"], indent=2, ensure_ascii=False) if f["evidence"] else "",
        }
        for f in data["findings"]
    ]
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
    )
    return page.encode("utf-8")

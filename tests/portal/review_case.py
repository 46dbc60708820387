"""A real assessment to review: the demo's secure declaration with a support end that its documents
contradict, run through the engine (declaration and document checks only, no device).

It has `manual` items with quotes from the documents (``doc.*`` findings), `inconclusive` and
`not_assessed` items, and `fail` items that only an expiring risk acceptance can cover.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import yaml

from securable.assess.assessment import Assessment
from securable.assess.engine import EngineOptions, run_assessment
from securable.assess.model import TargetKind
from securable.assess.reports import json_report
from securable.assess.targets import Declaration


@dataclass(frozen=True)
class ReviewCase:
    assessment: Assessment
    report: bytes
    declaration: bytes


@functools.cache
def review_case() -> ReviewCase:
    from securable.demo.declarations import secure_declaration
    from securable.demo.factory import interface_registry

    raw = secure_declaration(interface_registry().export_declaration(), "2031-12")
    raw["support"]["end"] = "2029-06-30"  # the manual says 31 December 2031: the document checks fail
    text = yaml.safe_dump(raw, sort_keys=False)
    declaration = Declaration.from_text(text)
    assessment = run_assessment(
        {TargetKind.DECLARATION: declaration}, options=EngineOptions(profile="nistir8425")
    )
    return ReviewCase(assessment, json_report.render(assessment), text.encode("utf-8"))

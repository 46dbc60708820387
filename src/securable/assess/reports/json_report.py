"""``report.json``: the ``securable/report/v1`` contract (schema: ``assess/data/report.schema.json``)."""

from __future__ import annotations

import json

from securable.assess.assessment import Assessment


def render(assessment: Assessment) -> bytes:
    return (json.dumps(assessment.to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")

"""``sbom.cdx.json``: the firmware's SBOM (CycloneDX 1.6) as a report of its own.

The SBOM is built once, by the ``fw.sbom.inventory`` check (package databases and components
identified from binaries, each once, with evidence and confidence; :mod:`securable.assess.sbom`),
and travels in that finding's evidence; this writer hands it out as a file, so ``report.json``
and ``sbom.cdx.json`` never disagree. An assessment without a firmware inventory (a live host
only) gets a valid, empty SBOM rather than no file.
"""

from __future__ import annotations

import json

from securable.assess.assessment import Assessment

INVENTORY_CHECK = "fw.sbom.inventory"


def render(assessment: Assessment) -> bytes:
    for finding in assessment.findings:
        if finding.check == INVENTORY_CHECK and isinstance(finding.evidence.get("cyclonedx"), dict):
            return (json.dumps(finding.evidence["cyclonedx"], indent=2, ensure_ascii=False) + "\n").encode()
    from securable.assess.sbom import Inventory, to_cyclonedx_json  # cyclonedx is heavy: load it when asked

    empty = json.loads(
        to_cyclonedx_json(Inventory(), name=assessment.targets[0].ref if assessment.targets else "firmware")
    )
    return (json.dumps(empty, indent=2, ensure_ascii=False) + "\n").encode()

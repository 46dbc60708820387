"""Report writers. Each module renders one :class:`~securable.assess.assessment.Assessment` to bytes.

``FORMATS`` maps a ``--format`` name to its renderer and file name, so the CLI and the library
write the same files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from securable.assess.assessment import Assessment
from securable.assess.reports import cyclonedx, html, json_report, junit, mud, oscal, sarif

__all__ = ["FORMATS", "write_reports"]

FORMATS: dict[str, tuple[str, Callable[[Assessment], bytes]]] = {
    "json": ("report.json", json_report.render),
    "html": ("report.html", html.render),
    "sarif": ("report.sarif", sarif.render),
    "oscal": ("oscal-ar.json", oscal.render),
    "junit": ("junit.xml", junit.render),
    "mud": ("mud.json", mud.render),  # needs the declaration (assessment.product)
    "cyclonedx": ("sbom.cdx.json", cyclonedx.render),
}


def write_reports(assessment: Assessment, out_dir: Path, formats: list[str]) -> list[Path]:
    """Render each format and write it into ``out_dir`` (created if needed); returns the files.

    ``mud`` is left out when the assessment has no product declaration (a MUD file describes the
    declared connections; the CLI refuses ``--format mud`` without ``--manifest`` up front).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in formats:
        if name == "mud" and assessment.product is None:
            continue
        filename, render = FORMATS[name]
        target = out_dir / filename
        target.write_bytes(render(assessment))
        written.append(target)
    return written

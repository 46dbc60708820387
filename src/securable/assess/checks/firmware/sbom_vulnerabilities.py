"""``fw.sbom.known-vulnerabilities``: no inventoried component is affected by a known vulnerability."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from securable.assess.check import FirmwareCheck
from securable.assess.checks.firmware.sbom_inventory import image_inventory
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.vulndb import VulnDB


@functools.lru_cache(maxsize=4)
def _load(folder: str) -> VulnDB:
    return VulnDB.load(Path(folder))


class KnownVulnerabilitiesCheck(FirmwareCheck):
    """Matches the image's inventory (see ``fw.sbom.inventory``) against an offline folder of OSV
    records given with ``--vulndb``: Debian packages by source name with Debian version order,
    opkg packages against ``OpenWrt``/``opkg`` records with the same order, Python distributions
    with PEP 440 order (details in :mod:`securable.assess.vulndb`).

    Shipping with known exploitable vulnerabilities is what the regulations forbid first. Each
    affected component is one failing finding naming the advisory, its aliases (CVE IDs) and the
    fixed versions. Without ``--vulndb`` the result is ``inconclusive``: nothing was checked.
    Fix: update the component, or record in a VEX statement why it is not exploitable.
    """

    id = "fw.sbom.known-vulnerabilities"
    title = "No components with known vulnerabilities"
    severity = Severity.HIGH
    max_findings: ClassVar[int] = 200

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        folder = self.context.vulndb if self.context is not None else None
        folder = folder or getattr(image, "vulndb", None)
        inv = image_inventory(image)
        if not inv.components:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "no package metadata in the image: nothing to match against vulnerability records",
                location=Location(path="/var/lib/dpkg/status"),
            )
            return
        if folder is None:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{len(inv.components)} components inventoried but no vulnerability folder given (--vulndb)",
                location=Location(path=inv.sources[-1] if inv.sources else "/"),
                evidence={"components": len(inv.components)},
            )
            return
        db = _load(str(folder))
        matches = db.match(inv)
        for match in matches[: self.max_findings]:
            comp = match.component
            yield self.finding(
                Verdict.FAIL,
                f"{comp.name} {comp.version} is affected by {match.id}"
                + (f" ({', '.join(match.aliases[:3])})" if match.aliases else ""),
                location=Location(path=comp.path),
                evidence={
                    "component": comp.name,
                    "version": comp.version,
                    "ecosystem": comp.ecosystem,
                    "source_package": comp.source_name,
                    "purl": comp.purl.to_string(),
                    "vulnerability": match.id,
                    "aliases": list(match.aliases),
                    "fixed": list(match.fixed),
                    "summary": match.summary,
                },
            )
        if len(matches) > self.max_findings:
            yield self.finding(
                Verdict.FAIL,
                f"{len(matches) - self.max_findings} more affected components not listed",
                location=Location(path="/"),
                evidence={"total": len(matches)},
            )
        if not matches:
            yield self.finding(
                Verdict.PASS,
                f"none of {len(inv.components)} components is affected per {db.count} OSV records",
                location=Location(path=inv.sources[-1] if inv.sources else "/"),
                evidence={
                    "components": len(inv.components),
                    "records": db.count,
                    "skipped_files": len(db.skipped),
                },
            )

"""``fw.sbom.known-vulnerabilities``: no inventoried component is affected by a known vulnerability."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.vulndb import SkippedFile, VulnDB

MAX_SKIPPED_LISTED = 50


def _skipped(files: list[SkippedFile]) -> list[dict[str, str]]:
    return [{"file": s.path, "reason": s.reason} for s in files[:MAX_SKIPPED_LISTED]]


class KnownVulnerabilitiesCheck(FirmwareCheck):
    """Matches the image's inventory (the ``packages`` fact, see ``fw.sbom.inventory``) against an
    offline folder of OSV records given with ``--vulndb``: Debian packages by source name with
    Debian version order, opkg packages against ``OpenWrt``/``opkg`` records with the same order,
    Python distributions with PEP 440 order (details in :mod:`securable.assess.vulndb`).

    Shipping with known exploitable vulnerabilities is what the regulations forbid first. Each
    affected component is one failing finding naming the advisory, its aliases (CVE IDs) and the
    fixed versions. ``inconclusive`` — nothing was checked — without ``--vulndb``, when the folder
    holds no usable OSV record (each file skipped is listed with the reason), or when the image
    holds no package metadata.
    """

    id = "fw.sbom.known-vulnerabilities"
    title = "No components with known vulnerabilities"
    severity = Severity.HIGH
    max_findings: ClassVar[int] = 200
    remediation = Remediation(
        summary="Update each affected component to a fixed version and rebuild the image, or publish "
        "a VEX statement explaining why the vulnerability is not exploitable in this product.",
        example="# Debian-based image: bump the package and rebuild\napt-get install --only-upgrade openssl",
        references=("nistir8425:SU-2", "en303645:5.2-3", "cra:I.2.a", "cra:II.2"),
    )

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        folder: Path | None = self.context.vulndb if self.context is not None else None
        folder = folder or target.vulndb
        inv = target.packages
        where = Location(path=inv.sources[-1] if inv.sources else "/")
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
                location=where,
                evidence={"components": len(inv.components)},
            )
            return
        db = VulnDB.load(folder)
        if db.count == 0:
            reason = (
                f"all {len(db.skipped)} of its JSON files were skipped"
                if db.skipped
                else "it has no JSON files"
            )
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"--vulndb folder '{folder}' holds no usable OSV record ({reason}): "
                f"none of {len(inv.components)} components was checked",
                location=where,
                evidence={
                    "components": len(inv.components),
                    "records": 0,
                    "skipped_files": len(db.skipped),
                    "skipped": _skipped(db.skipped),
                },
            )
            return
        matches = db.match(inv)
        release, release_source = inv.debian_release
        has_deb = any(c.ecosystem == "deb" for c in inv.components)
        debian = (
            {"debian_release": release, "debian_release_from": release_source}
            if release
            else {"debian_release": "unknown: records of every Debian release were applied"}
            if has_deb
            else {}
        )
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
                    **debian,
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
            skipped = f"; {len(db.skipped)} unusable files skipped" if db.skipped else ""
            yield self.finding(
                Verdict.PASS,
                f"none of {len(inv.components)} components is affected per {db.count} OSV records{skipped}",
                location=where,
                evidence={
                    "components": len(inv.components),
                    "records": db.count,
                    "skipped_files": len(db.skipped),
                    "skipped": _skipped(db.skipped),
                    **debian,
                },
            )

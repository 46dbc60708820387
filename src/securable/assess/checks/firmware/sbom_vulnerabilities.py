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
    Components identified from binaries (the ``binary_components`` fact) are matched against the
    NVD CVE JSON 2.0 files of the same folder, by their exact CPE vendor:product and version
    ranges in the component's own version order (:mod:`securable.assess.nvd`); each match names
    the record, the range and how the component was identified. A component whose version could
    not be read is listed as "version unknown" (``inconclusive``), never matched.

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
        binaries = target.binary_components
        where = Location(path=inv.sources[-1] if inv.sources else "/")
        total = len(inv.components) + len(binaries)
        if not total:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "no package metadata in the image and no recognised binary: "
                "nothing to match against vulnerability records",
                location=Location(path="/var/lib/dpkg/status"),
            )
            return
        if folder is None:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{total} components inventoried but no vulnerability folder given (--vulndb)",
                location=where,
                evidence={"components": total},
            )
            return
        db = VulnDB.load(folder)
        if db.count == 0 and db.nvd.count == 0:
            reason = (
                f"all {len(db.skipped)} of its JSON files were skipped"
                if db.skipped
                else "it has no JSON files"
            )
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"--vulndb folder '{folder}' holds no usable OSV record ({reason}) and no NVD CVE "
                f"file: none of {total} components was checked",
                location=where,
                evidence={
                    "components": total,
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
        nvd_matches = db.nvd.match(binaries)
        for nvd in nvd_matches[: self.max_findings]:
            found = nvd.component
            best = found.best
            yield self.finding(
                Verdict.FAIL,
                f"{found.name} {found.version} (identified from {best.path}) is affected by {nvd.cve}: "
                f"{nvd.range_text()}",
                location=Location(path=best.path),
                evidence={
                    "status": "known-vulnerable",
                    "component": found.name,
                    "version": found.version,
                    "vulnerability": nvd.cve,
                    "record": "NVD CVE JSON 2.0",
                    "criteria": nvd.criteria,
                    "range": nvd.range,
                    "platform_condition_not_evaluated": nvd.platform_condition,
                    "identified": {
                        "files": found.paths[:20],
                        "evidence": best.evidence,
                        "method": best.method,
                        "confidence": round(found.confidence, 2),
                    },
                    "summary": nvd.summary,
                },
            )
        unknown = [b for b in binaries if b.version is None]
        if unknown:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"version unknown: {len(unknown)} components identified from binaries have no readable "
                f"version and were not matched ({', '.join(sorted({b.name for b in unknown}))})",
                location=Location(path=unknown[0].best.path),
                evidence={
                    "status": "version-unknown",
                    "components": [
                        {"name": b.name, "files": b.paths[:20], "evidence": b.best.evidence} for b in unknown
                    ],
                },
            )
        affected = len(matches) + len(nvd_matches)
        listed = min(len(matches), self.max_findings) + min(len(nvd_matches), self.max_findings)
        if affected > listed:
            yield self.finding(
                Verdict.FAIL,
                f"{affected - listed} more affected components not listed",
                location=Location(path="/"),
                evidence={"total": affected},
            )
        if not affected and total > len(unknown):
            skipped = f"; {len(db.skipped)} unusable files skipped" if db.skipped else ""
            nvd_text = f" and {db.nvd.count} NVD records" if db.nvd.count else ""
            checked = total - len(unknown)
            yield self.finding(
                Verdict.PASS,
                f"none of {checked} components is affected per {db.count} OSV records{nvd_text}{skipped}",
                location=where,
                evidence={
                    "components": checked,
                    "records": db.count,
                    "nvd_records": db.nvd.count,
                    "skipped_files": len(db.skipped),
                    "skipped": _skipped(db.skipped),
                    **debian,
                },
            )

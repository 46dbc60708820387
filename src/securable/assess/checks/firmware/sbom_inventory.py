"""``fw.sbom.inventory``: the image's software inventory, emitted as a CycloneDX SBOM."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Verdict
from securable.assess.sbom import to_cyclonedx_json


class SbomInventoryCheck(FirmwareCheck):
    """Builds the software inventory — the ``packages`` fact (dpkg and opkg status files, Python
    package metadata and ``os-release``) and the ``binary_components`` fact (components
    identified from the version strings of binaries: BusyBox, OpenSSL, dropbear, the kernel, ...)
    — and emits it as a CycloneDX 1.6 SBOM in the finding's evidence (``cyclonedx``), each
    component once, with its evidence and a confidence (``--format cyclonedx`` writes the same
    SBOM as ``sbom.cdx.json``).

    Without an inventory nobody can tell whether a newly published vulnerability affects the
    product. ``inconclusive`` (not "not applicable": the image has components, we cannot see them)
    when the image holds neither package metadata nor a binary securable recognises: then the
    SBOM must come from the build system and be declared.
    """

    id = "fw.sbom.inventory"
    title = "Software inventory (SBOM) of the image"
    remediation = Remediation(
        summary="Keep the package database in the image, or generate an SBOM at build time and "
        "ship it with each release (and declare it in product.yaml).",
        example='# Yocto: INHERIT += "create-spdx"\n# buildroot: make legal-info / show-info > sbom.json',
        references=("nistir8425:AI-2", "en303645:5.2-3", "cra:II.1"),
    )

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        inv = target.packages
        binaries = target.binary_components
        if not inv.components and not binaries:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "no package metadata (dpkg, opkg, Python) and no recognised binary in the image: "
                "the SBOM must come from the build",
                location=Location(path="/var/lib/dpkg/status"),
                evidence={"os_release": inv.os_release},
            )
            return
        by_ecosystem = Counter(c.ecosystem for c in inv.components)
        if binaries:
            by_ecosystem["binary"] = len(binaries)
        unknown = sorted(b.name for b in binaries if b.version is None)
        path = inv.sources[-1] if inv.sources else binaries[0].best.path
        yield self.finding(
            Verdict.PASS,
            f"{len(inv.components) + len(binaries)} components inventoried ("
            + ", ".join(f"{n} {e}" for e, n in sorted(by_ecosystem.items()))
            + ")",
            location=Location(path=path),
            evidence={
                "components": len(inv.components) + len(binaries),
                "ecosystems": dict(by_ecosystem),
                "sources": inv.sources,
                "os": {k: inv.os_release[k] for k in ("ID", "VERSION_ID", "NAME") if k in inv.os_release},
                "binary_components": [
                    {
                        "name": b.name,
                        "version": b.version,
                        "cpe": b.cpe23(),
                        "files": b.paths[:20],
                        "evidence": b.best.evidence,
                        "method": b.best.method,
                        "confidence": round(b.confidence, 2),
                    }
                    for b in binaries
                ],
                "version_unknown": unknown,
                "cyclonedx": json.loads(to_cyclonedx_json(inv, binaries=binaries)),
            },
        )

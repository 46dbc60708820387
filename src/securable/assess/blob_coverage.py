"""How the engine assesses a vendor blob: once per root filesystem, and never a silent pass.

A firmware target opened from a vendor blob (``FirmwareImage.firmware_map`` is set) may hold
several root filesystems. :func:`firmware_units` gives the engine one view per root filesystem,
named; every firmware check runs on each, and :func:`in_filesystem` writes the name into each
finding's location. What could not be seen becomes ``inconclusive`` findings
(:func:`coverage_findings`), citing the requirements of the firmware checks that ran — a pass on
the parts that were opened says nothing about the parts that were not:

* a chunk that was not opened (its extractor is not installed, it is encrypted, extraction failed);
* a large unknown region with high entropy (encrypted or compressed in a way nothing recognised);
* a cap that stopped extraction (a bomb, or an image bigger than the caps allow);
* nesting deeper than the depth cap.

When no root filesystem was found, each firmware check gets one ``inconclusive`` finding saying so
(:func:`no_root_findings`) instead of running on an empty tree — an image we could not see into is
not an empty device.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from securable.assess.check import Check
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.blob import FirmwareMap

__all__ = [
    "COVERAGE_CHECK",
    "COVERAGE_TITLE",
    "coverage_findings",
    "firmware_map",
    "firmware_units",
    "in_filesystem",
    "no_root_findings",
]

COVERAGE_CHECK = "fw.image.coverage"
COVERAGE_TITLE = "Every part of the firmware image could be opened"


def firmware_map(target: Any) -> FirmwareMap | None:
    """The blob's map when ``target`` (an image or its view) was opened from a vendor blob."""
    image = getattr(target, "image", target)
    fmap = getattr(image, "firmware_map", None)
    return fmap if isinstance(fmap, FirmwareMap) else None


def firmware_units(target: Any, view: FirmwareView) -> list[tuple[str | None, FirmwareView]]:
    """The views firmware checks run on: ``[(None, view)]`` for a folder or archive, one named view
    per root filesystem for a blob (none when it has none)."""
    if firmware_map(target) is None:
        return [(None, view)]
    image = getattr(target, "image", target)
    roots: list[tuple[str, Any]] = list(getattr(image, "root_filesystems", []))
    return [(name, FirmwareView(root)) for name, root in roots]


def in_filesystem(finding: Finding, name: str | None) -> Finding:
    """``finding`` with the root filesystem it was found in named in its location."""
    if name is None:
        return finding
    location = finding.location or Location()
    return dataclasses.replace(finding, location=dataclasses.replace(location, filesystem=name))


def _requirements(checks: Sequence[type[Check[Any]]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for c in checks for r in c.evidences))


def coverage_findings(fmap: FirmwareMap, checks: Sequence[type[Check[Any]]]) -> list[Finding]:
    """Inconclusive findings for what the blob holds but could not be opened, else one pass."""
    requirements = _requirements(checks)
    out: list[Finding] = []

    def add(message: str, location: Location | None, evidence: dict[str, Any]) -> None:
        out.append(
            Finding(
                check=COVERAGE_CHECK,
                verdict=Verdict.INCONCLUSIVE,
                message=message,
                requirements=requirements,
                severity=Severity.INFO,
                location=location,
                evidence=evidence,
            )
        )

    if fmap.stopped:
        add(
            f"extraction of '{fmap.image}' was stopped: {fmap.stopped}; nothing of it was assessed",
            None,
            {"reason": "cap", "cap": fmap.stopped},
        )
    for chunk in fmap.chunks:
        if not chunk.problem:
            # Opened, or a chunk with nothing to open (padding, a plain ELF program).
            continue
        state = "was opened only in part" if chunk.extracted else "could not be opened"
        why = chunk.problem or "no extractor produced any file"
        add(
            f"chunk {chunk.name} ({chunk.size} bytes) {state}: {why}; what it holds was not assessed",
            Location(filesystem=chunk.inside or None, offset=chunk.offset),
            {"reason": "chunk-not-opened", "chunk": chunk.to_json()},
        )
    for region in fmap.regions:
        if region.looks_like is not None:
            add(
                f"unknown data {region.name} ({region.size} bytes) starts like a {region.looks_like} image "
                "but could not be read (damaged or truncated); it was not assessed",
                Location(filesystem=region.inside or None, offset=region.offset),
                {"reason": "damaged-filesystem", "region": region.to_json()},
            )
        elif region.suspicious:
            add(
                f"unknown data {region.name} ({region.size} bytes, entropy {region.entropy:.1f}%) looks "
                "encrypted or compressed in a format nothing here recognises; it was not assessed",
                Location(filesystem=region.inside or None, offset=region.offset),
                {"reason": "high-entropy-region", "region": region.to_json()},
            )
    for path in fmap.too_deep:
        add(
            f"'{path}' is nested deeper than the depth cap and was not opened "
            "(UnpackLimits.max_depth, environment variable SECURABLE_UNPACK_MAX_DEPTH)",
            None,
            {"reason": "depth-cap", "file": path},
        )
    if not fmap.chunks and not fmap.stopped:
        add(
            f"nothing recognised in '{fmap.image}': no known firmware format was found in its "
            f"{fmap.size} bytes",
            None,
            {"reason": "nothing-recognised"},
        )
    if not out:
        out.append(
            Finding(
                check=COVERAGE_CHECK,
                verdict=Verdict.PASS,
                message=f"every chunk of '{fmap.image}' was opened "
                f"({len(fmap.chunks)} chunk(s), {len(fmap.roots)} root filesystem(s))",
                requirements=(),
                evidence={"firmware_map": fmap.to_json()},
            )
        )
    else:
        out[0] = dataclasses.replace(out[0], evidence={**out[0].evidence, "firmware_map": fmap.to_json()})
    return out


def no_root_findings(fmap: FirmwareMap, check: type[Check[Any]]) -> list[Finding]:
    """What a firmware check says about a blob in which no root filesystem was found."""
    if fmap.stopped:
        why = f"extraction was stopped ({fmap.stopped})"
    elif not fmap.chunks:
        why = "nothing in it was recognised"
    else:
        why = f"none of its {len(fmap.chunks)} chunk(s) holds a folder with /etc and /bin or /sbin"
    return [
        Finding(
            check=check.id,
            verdict=Verdict.INCONCLUSIVE,
            message=f"no root filesystem found in '{fmap.image}': {why}; this check could not look",
            requirements=tuple(check.evidences),
            severity=Severity.INFO,
            evidence={"reason": "no-root-filesystem"},
        )
    ]

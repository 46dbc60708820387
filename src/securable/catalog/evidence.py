"""Which requirements each check evidences, kept as data beside the crosswalks.

A check cites the items of one *primary* framework (NIST IR 8425) it bears on. Its citations in
the other frameworks follow from the catalog's crosswalks; a citation that no crosswalk supports
must be listed as ``direct`` with the reason, so every extra claim is deliberate and reviewable.
That rule decides which source wins: the primary citation and the crosswalk, never a check's
own list. The data lives in ``data/check-evidence.yaml``; :func:`load_check_evidence` reads and
shape-checks it, :func:`evidence_problems` checks it against a catalog.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from securable._yaml import load_yaml_file
from securable.errors import CatalogDataError

if TYPE_CHECKING:
    from securable.catalog.catalog import Catalog

__all__ = [
    "CheckEvidence",
    "crosswalk_reach",
    "evidence_problems",
    "load_check_evidence",
    "mapping_confidence",
]

EVIDENCE_FILE = Path(__file__).parent / "data" / "check-evidence.yaml"
_SCHEMA = "securable/check-evidence/v1"
_FIX = "correct check-evidence.yaml in the catalog data (its header comment gives the rule)"
_CONFIDENCE = ("high", "medium", "low")
_HOPS = 2  # a crosswalk chain may pass through one intermediate framework (8425 -> 8259A -> EN)


@dataclass(frozen=True)
class CheckEvidence:
    """The citations of one check, split by where they come from."""

    check: str
    cites: tuple[str, ...]  # primary framework items
    also: tuple[str, ...]  # other frameworks, reached through the crosswalks
    direct: tuple[tuple[str, str], ...]  # (item, why): not reached by any crosswalk
    # (item, high|medium|low): how strongly the check's verdict bears on the item, where stated
    confidence: tuple[tuple[str, str], ...] = ()

    @property
    def requirements(self) -> tuple[str, ...]:
        """Every cited ID, primary first: what the check's findings carry."""
        return (*self.cites, *self.also, *(item for item, _why in self.direct))


def _fail(where: str, problem: str) -> CatalogDataError:
    return CatalogDataError(f"{EVIDENCE_FILE.name}: {where}: {problem}", diagnostics=_FIX)


def _ids(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and ":" in v for v in value):
        raise _fail(where, "must be a list of requirement IDs such as nistir8425:IAC-1b")
    if len(set(value)) != len(value):
        raise _fail(where, "lists an ID twice")
    return tuple(value)


def _entry(check: str, raw: Any, primary: str) -> CheckEvidence:
    if not isinstance(raw, dict):
        raise _fail(check, "must be a mapping with 'cites' and optional 'also' and 'direct'")
    unknown = set(raw) - {"cites", "also", "direct", "confidence"}
    if unknown:
        raise _fail(check, f"unknown field(s) {', '.join(sorted(unknown))}")
    cites = _ids(raw.get("cites"), f"{check}.cites")
    if not cites:
        raise _fail(f"{check}.cites", f"a check must cite at least one {primary} item")
    for item in cites:
        if not item.startswith(primary + ":"):
            raise _fail(f"{check}.cites", f"{item} is not a {primary} item; put it under 'also' or 'direct'")
    also = _ids(raw.get("also"), f"{check}.also")
    direct_raw = raw.get("direct") or {}
    if not isinstance(direct_raw, dict):
        raise _fail(f"{check}.direct", "must map each requirement ID to the reason it is cited")
    direct: list[tuple[str, str]] = []
    for item, why in direct_raw.items():
        if not isinstance(why, str) or len(why.split()) < 4:
            raise _fail(f"{check}.direct.{item}", "give the reason the check evidences it (a sentence)")
        direct.append((str(item), why.strip()))
    seen = [*cites, *also, *(i for i, _w in direct)]
    if len(set(seen)) != len(seen):
        raise _fail(check, "an ID appears in more than one of cites/also/direct")
    confidence_raw = raw.get("confidence") or {}
    if not isinstance(confidence_raw, dict):
        raise _fail(f"{check}.confidence", "must map cited requirement IDs to high, medium or low")
    confidence: list[tuple[str, str]] = []
    for item, level in confidence_raw.items():
        if str(item) not in seen:
            raise _fail(f"{check}.confidence.{item}", "rates an ID the check does not cite")
        if level not in _CONFIDENCE:
            raise _fail(f"{check}.confidence.{item}", "must be one of high, medium, low")
        confidence.append((str(item), str(level)))
    return CheckEvidence(check, cites, also, tuple(direct), tuple(confidence))


def parse_check_evidence(data: Any) -> dict[str, CheckEvidence]:
    """Shape-check the parsed file: a schema tag, the primary framework and one entry per check."""
    if not isinstance(data, dict) or data.get("schema") != _SCHEMA:
        raise _fail("file", f"must be a mapping with schema: {_SCHEMA}")
    primary = data.get("primary")
    checks = data.get("checks")
    if not isinstance(primary, str) or not isinstance(checks, dict) or not checks:
        raise _fail("file", "needs 'primary' (a framework key) and a non-empty 'checks' mapping")
    return {str(check): _entry(str(check), raw, primary) for check, raw in checks.items()}


@functools.cache
def load_check_evidence() -> dict[str, CheckEvidence]:
    """The check-to-requirement data, read once per process, in the file's (= run) order."""
    data = load_yaml_file(EVIDENCE_FILE, ref=EVIDENCE_FILE.name, fix=_FIX, error=CatalogDataError)
    return parse_check_evidence(data)


def mapping_confidence(check: str) -> dict[str, str]:
    """How strongly ``check`` evidences each item it rates (``{}`` when the data states none)."""
    entry = load_check_evidence().get(check)
    return dict(entry.confidence) if entry is not None else {}


def crosswalk_reach(catalog: Catalog, ids: Iterable[str], hops: int = _HOPS) -> set[str]:
    """Items the crosswalks reach from ``ids`` (or their parents) in at most ``hops`` steps."""
    reached: set[str] = set()
    frontier = {i for i in ids if i in catalog}
    for _ in range(hops):
        step: set[str] = set()
        for item in frontier:
            for source in (item, *(a.id for a in catalog.ancestors(item))):
                step.update(catalog.mapped_ids(source))
        frontier = step - reached
        reached |= step
    return reached


def evidence_problems(catalog: Catalog, evidence: dict[str, CheckEvidence]) -> list[str]:
    """Every way the data disagrees with the catalog: unknown IDs, unsupported or needless claims."""
    problems: list[str] = []
    for check, entry in evidence.items():
        for item in entry.requirements:
            if item not in catalog:
                problems.append(f"{check}: {item} is not a catalog item")
        reach = crosswalk_reach(catalog, entry.cites)
        for item in entry.also:
            if item in catalog and item not in reach:
                problems.append(
                    f"{check}: {item} is under 'also' but no crosswalk reaches it from "
                    f"{', '.join(entry.cites)}; move it to 'direct' with a reason or drop it"
                )
        for item, _why in entry.direct:
            if item in reach:
                problems.append(
                    f"{check}: {item} is reached by the crosswalk; move it from 'direct' to 'also'"
                )
    return problems

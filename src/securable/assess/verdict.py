"""Fold findings into one verdict per requirement of the chosen profile, then crosswalk them.

**Which findings bear on a requirement R of the profile.** A finding counts *directly* for R when
it cites R itself or a descendant of R in the catalog tree (a failing sub-item fails its parent).
It reaches R *through the crosswalk* when it cites an item that the catalog maps to R
(``catalog.mapped_ids``). Most crosswalk rows are ``related``, not ``equivalent``, so evidence that
arrives that way is weaker: a crosswalked ``fail`` or ``error`` counts (something R relies on is
broken, and the report says through which item), but a crosswalked ``pass`` proves nothing on its
own — a requirement with only crosswalked passes comes out ``inconclusive``, and a crosswalked
``not_applicable`` is ignored. IDs the catalog does not know are kept on the finding but cannot
be folded anywhere.

**The folding rule** (first match wins):

1. no finding → ``not_assessed`` (never a silent pass);
2. any ``fail`` → ``fail``;
3. any ``error`` → ``error`` (a check crashed or timed out: we do not know);
4. any ``inconclusive`` → ``inconclusive``;
5. any ``manual`` → ``manual`` (a person must review; automated passes do not outvote that);
6. only ``not_applicable`` → ``not_applicable``;
7. otherwise (all ``pass`` / ``not_applicable``, at least one ``pass``) → ``pass``.

**Not applicable is a claim about the requirement.** A check whose subject is absent (no SSH
server in the image, no TLS service on the host) yields ``not_applicable`` with ``scope: check``:
it says nothing about the requirement, which may still be met or broken by something no check
looked at. Such findings are listed with the requirement but do not vote; a requirement that
has nothing else stays ``not_assessed``. ``not_applicable`` at requirement level comes only from
findings that decide the requirement itself does not apply (``scope: requirement``, e.g. the
manufacturer's justified statement in product.yaml).

**A request to read documents yields to a check that read them.** A declaration check that can
only say "a person must review the linked document" marks its ``manual`` finding ``review:
linked-documents``. When a document check (its evidence names ``documents_read``) read those
documents and passed or failed the requirement directly, that request no longer holds the
requirement at ``manual``; the reviewer's remaining judgement is in the document check's own
``manual`` findings where there is one.

**Every open verdict says why.** Each requirement carries ``reason`` (what the verdict rests
on) and, when it is not settled (``inconclusive``, ``manual``, ``error``, ``not_assessed``),
``settle``: what would decide it.

**Crosswalked verdicts.** For each item of EN 303 645 and of the CRA that some profile
requirement maps to, the verdicts of those mapped profile requirements are folded with the same
rule, except that a ``not_assessed`` source next to assessed ones makes the result
``inconclusive`` (part of the mapped ground is unknown) and only all-``not_assessed`` sources give
``not_assessed``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from securable.assess.model import Finding, Verdict
from securable.catalog import Catalog

__all__ = [
    "CROSSWALK_FRAMEWORKS",
    "CrosswalkVerdict",
    "RequirementVerdict",
    "crosswalk",
    "fold",
    "fold_requirements",
]

CROSSWALK_FRAMEWORKS = ("en303645", "cra")

_ORDER = (Verdict.FAIL, Verdict.ERROR, Verdict.INCONCLUSIVE, Verdict.MANUAL)


def fold(verdicts: Iterable[Verdict]) -> Verdict:
    """The folding rule above, on bare verdicts."""
    seen = set(verdicts)
    if not seen or seen == {Verdict.NOT_ASSESSED}:
        return Verdict.NOT_ASSESSED
    if Verdict.NOT_ASSESSED in seen:  # only when folding requirement verdicts (crosswalk)
        seen = (seen - {Verdict.NOT_ASSESSED}) | {Verdict.INCONCLUSIVE}
    for verdict in _ORDER:
        if verdict in seen:
            return verdict
    if seen == {Verdict.NOT_APPLICABLE}:
        return Verdict.NOT_APPLICABLE
    return Verdict.PASS


_STRONG_CROSSWALK = (Verdict.FAIL, Verdict.ERROR)


def speaks_for_requirement(finding: Finding) -> bool:
    """False for a check-scope ``not_applicable``: the check had nothing to look at (see above)."""
    return finding.verdict is not Verdict.NOT_APPLICABLE or finding.evidence.get("scope") == "requirement"


def is_document_review_request(finding: Finding) -> bool:
    """A ``manual`` finding that only asks a person to read the linked documents."""
    return finding.verdict is Verdict.MANUAL and finding.evidence.get("review") == "linked-documents"


def _fold_evidence(direct: list[Verdict], crossed: list[Verdict]) -> Verdict:
    """Direct findings fold as usual; crosswalked ones add only fails and errors (module docstring)."""
    strong = [v for v in crossed if v in _STRONG_CROSSWALK]
    if not direct and crossed and not strong:
        return Verdict.INCONCLUSIVE
    return fold([*direct, *strong])


@dataclass(frozen=True)
class RequirementVerdict:
    """One requirement of the profile: its folded verdict and the findings that made it."""

    id: str
    title: str
    verdict: Verdict
    checks: tuple[str, ...]  # ids of the checks whose findings counted, in first-seen order
    findings: tuple[int, ...]  # indexes into the assessment's findings list
    via_crosswalk: tuple[str, ...] = ()  # cited IDs that reached this requirement through a mapping
    mapped: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (framework, mapped ids) for report columns
    group: str = ""  # the top-level catalog item it belongs to (an 8425 outcome such as IAC)
    group_title: str = ""
    text: str = ""  # the requirement's paraphrased text from the catalog
    reason: str = ""  # what the verdict rests on, in a sentence
    settle: str = ""  # for an open verdict: what would decide it


@dataclass(frozen=True)
class CrosswalkVerdict:
    """An item of another framework with the verdict carried over from the profile requirements."""

    id: str
    framework: str
    title: str
    verdict: Verdict
    sources: tuple[str, ...]  # profile requirement IDs mapped to it


def _touches(catalog: Catalog, cited: str, profile_ids: set[str]) -> list[tuple[str, bool]]:
    """Profile requirements a cited ID bears on: ``(id, via_crosswalk)`` pairs."""
    if cited not in catalog:
        return []
    hits: list[tuple[str, bool]] = []
    if cited in profile_ids:
        hits.append((cited, False))
    hits.extend((a.id, False) for a in catalog.ancestors(cited) if a.id in profile_ids)
    for mapped in catalog.mapped_ids(cited):
        if mapped in profile_ids:
            hits.append((mapped, True))
        hits.extend((a.id, True) for a in catalog.ancestors(mapped) if a.id in profile_ids)
    return hits


def fold_requirements(
    findings: Sequence[Finding], catalog: Catalog, profile_ids: Sequence[str]
) -> list[RequirementVerdict]:
    """One :class:`RequirementVerdict` per profile requirement, in profile order."""
    wanted = set(profile_ids)
    by_req: dict[str, list[int]] = defaultdict(list)
    direct: dict[str, set[int]] = defaultdict(set)
    via: dict[str, list[str]] = defaultdict(list)
    touch_cache: dict[str, list[tuple[str, bool]]] = {}
    for index, finding in enumerate(findings):
        reached: set[str] = set()
        for cited in finding.requirements:
            if cited not in touch_cache:
                touch_cache[cited] = _touches(catalog, cited, wanted)
            for req_id, crossed in touch_cache[cited]:
                if crossed and finding.verdict is Verdict.NOT_APPLICABLE:
                    # A check with nothing to look at says nothing about a crosswalked item.
                    continue
                if not crossed:
                    direct[req_id].add(index)
                if req_id not in reached:
                    reached.add(req_id)
                    by_req[req_id].append(index)
                if crossed and cited not in via[req_id]:
                    via[req_id].append(cited)
    out: list[RequirementVerdict] = []
    for req_id in profile_ids:
        indexes = by_req.get(req_id, [])
        checks = tuple(dict.fromkeys(findings[i].check for i in indexes))
        mapped = tuple(
            (fw, tuple(catalog.mapped_ids(req_id, to=fw)))
            for fw in CROSSWALK_FRAMEWORKS
            if fw in catalog.frameworks
        )
        ancestors = catalog.ancestors(req_id)
        root = ancestors[-1] if ancestors else catalog.item(req_id)
        voting = [i for i in indexes if speaks_for_requirement(findings[i])]
        read = [
            i
            for i in voting
            if i in direct[req_id]
            and findings[i].verdict in (Verdict.PASS, Verdict.FAIL)
            and "documents_read" in findings[i].evidence
        ]
        if read:  # the documents were read and settled it: a request to review them yields
            voting = [i for i in voting if not is_document_review_request(findings[i])]
        verdict = _fold_evidence(
            [findings[i].verdict for i in voting if i in direct[req_id]],
            [findings[i].verdict for i in voting if i not in direct[req_id]],
        )
        reason, settle = explain(verdict, [findings[i] for i in indexes], via.get(req_id, []))
        out.append(
            RequirementVerdict(
                id=req_id,
                title=catalog.item(req_id).title,
                verdict=verdict,
                checks=checks,
                findings=tuple(indexes),
                via_crosswalk=tuple(via.get(req_id, [])),
                mapped=mapped,
                group=root.id,
                group_title=root.title,
                text=catalog.item(req_id).text,
                reason=reason,
                settle=settle,
            )
        )
    return out


def _first(findings: Sequence[Finding], verdict: Verdict) -> Finding | None:
    return next((f for f in findings if f.verdict is verdict), None)


def _quote(finding: Finding) -> str:
    return f"{finding.check}: {finding.message}"


def explain(verdict: Verdict, findings: Sequence[Finding], via: Sequence[str]) -> tuple[str, str]:
    """``(reason, settle)`` for a requirement verdict, from the findings that touched it."""
    count = {v: sum(1 for f in findings if f.verdict is v) for v in Verdict}
    if verdict is Verdict.FAIL:
        first = _first(findings, Verdict.FAIL)
        more = count[Verdict.FAIL] - 1
        extra = f" (and {more} more failing finding{'s' if more > 1 else ''})" if more > 0 else ""
        return (f"failed: {_quote(first)}{extra}" if first else "failed", "")
    if verdict is Verdict.PASS:
        return (
            f"{count[Verdict.PASS]} passing finding(s) from {len({f.check for f in findings})} check(s)",
            "",
        )
    if verdict is Verdict.NOT_APPLICABLE:
        first = _first(findings, Verdict.NOT_APPLICABLE)
        return (f"does not apply: {_quote(first)}" if first else "does not apply", "")
    if verdict is Verdict.ERROR:
        first = _first(findings, Verdict.ERROR)
        return (
            f"a check could not finish: {_quote(first)}" if first else "a check could not finish",
            "fix the cause in the error message and run the assessment again",
        )
    if verdict is Verdict.INCONCLUSIVE:
        first = _first(findings, Verdict.INCONCLUSIVE)
        if first is not None:
            return (
                f"could not be decided: {_quote(first)}",
                "give the check what it lacked (the message says what), or have a reviewer decide",
            )
        return (
            f"only related items were evidenced (through the crosswalk from {', '.join(via)}), "
            "and a related item passing does not show this one is met",
            "run a check that evidences this requirement directly, or have a reviewer decide",
        )
    if verdict is Verdict.MANUAL:
        first = _first(findings, Verdict.MANUAL)
        return (
            f"needs a person's review: {_quote(first)}" if first else "needs a person's review",
            "a reviewer examines the evidence named in the finding and records the decision",
        )
    # not assessed
    idle = [f for f in findings if not speaks_for_requirement(f)]
    if idle:
        return (
            "the checks that evidence it had nothing to look at: " + "; ".join(_quote(f) for f in idle[:3]),
            "assess a target that has what this requirement is about, or record a reviewer's decision",
        )
    return (
        "no check of this run evidences it",
        "add the target its checks need (firmware, host or product.yaml), or have a reviewer decide",
    )


def crosswalk(requirements: Sequence[RequirementVerdict], catalog: Catalog) -> list[CrosswalkVerdict]:
    """Verdicts carried over to EN 303 645 and CRA items (see the module docstring)."""
    sources: dict[str, list[RequirementVerdict]] = defaultdict(list)
    for req in requirements:
        for _fw, ids in req.mapped:
            for target_id in ids:
                sources[target_id].append(req)
    out: list[CrosswalkVerdict] = []
    order = {item.id: n for n, item in enumerate(catalog.items())}
    for target_id in sorted(sources, key=lambda i: order.get(i, 0)):
        reqs = sources[target_id]
        verdict = fold(r.verdict for r in reqs)
        item = catalog.item(target_id)
        out.append(
            CrosswalkVerdict(
                id=target_id,
                framework=item.framework,
                title=item.title,
                verdict=verdict,
                sources=tuple(r.id for r in reqs),
            )
        )
    return out

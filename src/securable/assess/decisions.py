"""Decisions as code: a reviewer's verdicts in ``decisions.yaml``, folded into an assessment.

Some requirements need a person (documentation, processes, a manual check's evidence); some
findings are inconclusive. ``decisions.yaml`` (schema ``securable/decisions/v1``, package data
``assess/data/decisions.schema.json``) records, per requirement or per finding (by the finding's
stable fingerprint, see :mod:`securable.assess.fingerprint`), the decision (``pass``, ``fail``,
``not_applicable`` or ``accepted_risk`` with an expiry), the reviewer, the date, the rationale and
evidence (links, or files next to ``decisions.yaml``)::

    schema: securable/decisions/v1
    decisions:
      - requirement: nistir8259b:DOC-1a
        decision: pass
        reviewer: Jane Roe <jane@example.com>
        date: 2025-03-01
        rationale: The user manual (section 4) documents the update process.
        evidence: [docs/manual.pdf, https://example.com/manual]
      - finding: v1:0123456789abcdef0123456789abcdef
        decision: accepted_risk
        expires: 2025-12-31
        reviewer: Jane Roe
        date: 2025-03-01
        rationale: Telnet is only reachable on the factory test jig; removed in 2.0.

**How a decision folds in** (:func:`apply_decisions`; every outcome is recorded in the report):

* on a ``manual``, ``inconclusive`` (or, for a requirement, ``not_assessed``) item the reviewer's
  verdict replaces it and is marked as a human decision;
* a ``fail`` decision always applies (a reviewer may always find more wrong);
* a decision never hides a FAIL a check found: ``pass`` or ``not_applicable`` on a FAIL is
  ``refused`` and the FAIL stands. Only an ``accepted_risk`` that has not expired covers a FAIL: the
  verdict stays ``fail`` in every report, marked as accepted until its date, and no longer fails the
  run. Past its date it is ``expired`` and the FAIL counts again;
* a decision that agrees with the checks is ``confirmed``; one that would overrule a ``pass``,
  ``not_applicable`` or ``error`` of a check is ``refused``;
* a decision whose requirement is not in the profile, or whose finding no longer appears, is
  ``stale``.

Expiry is judged against the assessment's finish date (``today=`` to override), not the wall clock.
The file is untrusted input: size-capped, YAML aliases refused, validated by the JSON schema.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from securable._yaml import dates_as_text
from securable.assess.assessment import Assessment, DecisionRecord
from securable.assess.model import Finding, Verdict
from securable.assess.verdict import crosswalk, fold_requirements
from securable.catalog import Catalog, load_catalog
from securable.errors import UsageError

__all__ = [
    "DECISIONS_SCHEMA",
    "Decision",
    "Decisions",
    "DecisionsError",
    "apply_decisions",
    "dump_decisions",
    "load_decisions",
    "load_schema",
    "parse_decisions",
]

DECISIONS_SCHEMA = "securable/decisions/v1"
MAX_BYTES = 1 << 20  # 1 MiB: thousands of decisions; anything larger is not a decisions file
_FIX = "correct decisions.yaml (schema securable/decisions/v1; see the securable.assess.decisions docs)"
_OPEN = (Verdict.MANUAL, Verdict.INCONCLUSIVE, Verdict.NOT_ASSESSED)


class DecisionsError(UsageError):
    """``decisions.yaml`` is unreadable or malformed (exit 2); the message names the entry."""


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema of ``decisions.yaml`` (package data)."""
    text = resources.files("securable.assess").joinpath("data/decisions.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def read_untrusted_yaml(path: Path, *, limit: int = MAX_BYTES, what: str = "decisions file") -> Any:
    """Parse a small untrusted YAML file: size-capped, aliases refused, ``safe_load`` only.

    The one place this module reads YAML, so that it can move to a shared safe loader.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise DecisionsError(
            f"{what} '{path}' cannot be read ({exc.strerror or exc})", diagnostics="check the path"
        ) from None
    if len(raw) > limit:
        raise DecisionsError(
            f"{what} '{path}' is larger than {limit // 1024} KiB",
            diagnostics="split it or remove old entries",
        )
    try:
        text = raw.decode("utf-8")
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                raise DecisionsError(
                    f"{path}: line {mark.line + 1 if mark else '?'}: YAML aliases are not allowed",
                    diagnostics="write the value out instead of using *alias / &anchor",
                )
        return yaml.safe_load(text)
    except UnicodeDecodeError:
        raise DecisionsError(f"{path}: not UTF-8 text", diagnostics=_FIX) from None
    except ValueError as exc:  # a YAML timestamp that is no real date (2025-02-30)
        raise DecisionsError(f"{path}: a date is not a real date ({exc})", diagnostics=_FIX) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise DecisionsError(
            f"{path}: {where}: not valid YAML ({getattr(exc, 'problem', None) or exc})", diagnostics=_FIX
        ) from None


@dataclass(frozen=True)
class Decision:
    """One validated entry of ``decisions.yaml``."""

    scope: str  # "requirement" | "finding"
    target: str
    decision: str
    reviewer: str
    date: dt.date
    rationale: str
    expires: dt.date | None = None
    evidence: tuple[str, ...] = ()
    check: str | None = None

    def record(self, status: str, note: str = "", **kw: Any) -> DecisionRecord:
        return DecisionRecord(
            scope=self.scope,
            target=self.target,
            decision=self.decision,
            reviewer=self.reviewer,
            date=self.date.isoformat(),
            rationale=self.rationale,
            status=status,
            note=note,
            expires=self.expires.isoformat() if self.expires else None,
            evidence=self.evidence,
            **kw,
        )


@dataclass(frozen=True)
class Decisions:
    """A loaded ``decisions.yaml``: its entries and where it lives (evidence files are relative to it)."""

    ref: str
    entries: tuple[Decision, ...]
    base: Path | None = None

    def evidence_files(self) -> list[tuple[str, Path]]:
        """Evidence entries that are files: ``(name as written, path on disk)``."""
        out: dict[str, Path] = {}
        for entry in self.entries:
            for item in entry.evidence:
                if not _is_link(item) and self.base is not None:
                    out.setdefault(item, self.base / item)
        return sorted(out.items())


def _is_link(item: str) -> bool:
    return item.startswith(("https://", "http://"))


def _date(text: str, where: str, ref: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DecisionsError(f"{ref}: {where}: '{text}' is not a real date", diagnostics=_FIX) from None


def parse_decisions(raw: Any, *, ref: str = "decisions.yaml", base: Path | None = None) -> Decisions:
    """Validate a parsed ``decisions.yaml`` mapping; raises :class:`DecisionsError` naming the entry."""
    data = dates_as_text(raw)
    if not isinstance(data, dict):
        raise DecisionsError(f"{ref}: the top level must be a mapping", diagnostics=_FIX)
    if data.get("schema") != DECISIONS_SCHEMA:
        raise DecisionsError(
            f"{ref}: field 'schema' must be '{DECISIONS_SCHEMA}' (found {data.get('schema')!r})",
            diagnostics=_FIX,
        )
    error = best_match(Draft202012Validator(load_schema()).iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise DecisionsError(f"{ref}: field '{where}': {error.message}", diagnostics=_FIX)
    entries: list[Decision] = []
    seen: dict[tuple[str, str], int] = {}
    for n, item in enumerate(data["decisions"]):
        where = f"decisions.{n}"
        scope = "requirement" if "requirement" in item else "finding"
        target = str(item[scope])
        if (scope, target) in seen:
            raise DecisionsError(
                f"{ref}: {where}: a second decision for {scope} '{target}' "
                f"(first: decisions.{seen[scope, target]})",
                diagnostics="keep one decision per requirement or finding",
            )
        seen[scope, target] = n
        evidence = tuple(str(e) for e in item.get("evidence", []))
        for entry in evidence:
            if _is_link(entry):
                continue
            pure = PurePosixPath(entry)
            if pure.is_absolute() or ".." in pure.parts or "\\" in entry or "\x00" in entry:
                raise DecisionsError(
                    f"{ref}: {where}.evidence: '{entry}' must be a link or a path "
                    "inside the decisions folder",
                    diagnostics="use an https:// link or a relative path without '..'",
                )
            if base is not None and not (base / entry).is_file():
                raise DecisionsError(
                    f"{ref}: {where}.evidence: file '{entry}' not found next to {Path(ref).name}",
                    diagnostics="add the file or correct the path (relative to decisions.yaml)",
                )
        entries.append(
            Decision(
                scope=scope,
                target=target,
                decision=str(item["decision"]),
                reviewer=" ".join(str(item["reviewer"]).split()),
                date=_date(item["date"], f"{where}.date", ref),
                rationale=str(item["rationale"]).strip(),
                expires=_date(item["expires"], f"{where}.expires", ref) if "expires" in item else None,
                evidence=evidence,
                check=item.get("check"),
            )
        )
    return Decisions(ref=ref, entries=tuple(entries), base=base)


def load_decisions(path: str | Path) -> Decisions:
    """Read and validate ``decisions.yaml``; raises :class:`DecisionsError` (exit 2) for bad input."""
    source = Path(path)
    if not source.is_file():
        raise DecisionsError(
            f"decisions file '{source}' does not exist", diagnostics="check the path given to --decisions"
        )
    return parse_decisions(read_untrusted_yaml(source), ref=str(source), base=source.parent)


def decision_mapping(decision: Decision) -> dict[str, Any]:
    """One ``decisions.yaml`` entry, keys in the order the format documents them."""
    out: dict[str, Any] = {decision.scope: decision.target}
    if decision.check:
        out["check"] = decision.check
    out["decision"] = decision.decision
    if decision.expires is not None:
        out["expires"] = decision.expires
    out["reviewer"] = decision.reviewer
    out["date"] = decision.date
    out["rationale"] = decision.rationale
    if decision.evidence:
        out["evidence"] = list(decision.evidence)
    return out


def dump_decisions(entries: Sequence[Decision], *, product: str | None = None) -> str:
    """``decisions.yaml`` text for ``entries``: what :func:`load_decisions` reads back unchanged.

    The writer for tools that record decisions elsewhere (the portal's review pages) so that their
    export is the same format the CLI's ``--decisions`` takes; the result is validated before it is
    returned, so a writer bug is an error here and not a file the CLI refuses later.
    """
    document: dict[str, Any] = {"schema": DECISIONS_SCHEMA}
    if product:
        document["product"] = product
    document["decisions"] = [decision_mapping(d) for d in entries]
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    parse_decisions(yaml.safe_load(text), ref="decisions.yaml (written)")
    return text


# --- folding ---------------------------------------------------------------------------------


def _judge(decision: Decision, automated: Verdict, today: dt.date) -> tuple[str, Verdict, str]:
    """``(status, resulting verdict, note)`` for one decision on one automated verdict."""
    if decision.decision == "accepted_risk":
        if automated in (Verdict.FAIL, *_OPEN):
            assert decision.expires is not None  # the schema requires it
            if decision.expires < today:
                return "expired", Verdict.FAIL, f"risk acceptance expired on {decision.expires.isoformat()}"
            return "accepted", Verdict.FAIL, f"fail accepted as a risk until {decision.expires.isoformat()}"
        return "refused", automated, f"nothing to accept: the checks found {automated.value}"
    wanted = Verdict(decision.decision)
    if wanted is automated:
        return "confirmed", automated, "agrees with the checks"
    if automated in _OPEN:
        return "applied", wanted, f"reviewer's verdict replaces {automated.value}"
    if wanted is Verdict.FAIL:
        return "applied", wanted, f"reviewer failed what the checks found {automated.value}"
    if automated is Verdict.FAIL:
        return (
            "refused",
            automated,
            ("a check found it failing; only an expiring accepted_risk can cover a fail"),
        )
    return "refused", automated, f"the checks found {automated.value}; a decision does not overrule them"


def apply_decisions(
    assessment: Assessment,
    decisions: Decisions | Sequence[Decision],
    *,
    catalog: Catalog | None = None,
    today: dt.date | None = None,
) -> Assessment:
    """A copy of ``assessment`` with the decisions folded in (rules in the module docstring)."""
    entries = decisions.entries if isinstance(decisions, Decisions) else tuple(decisions)
    catalog = catalog or load_catalog()
    profile = catalog.profile(assessment.profile)
    today = today or assessment.finished.astimezone(dt.UTC).date()
    index_of = {fp: n for n, fp in enumerate(assessment.fingerprints)}
    order = {id(e): n for n, e in enumerate(entries)}
    records: list[tuple[int, DecisionRecord]] = []
    findings: list[Finding] = list(assessment.findings)
    accepted_findings: dict[int, str] = {}

    for entry in (e for e in entries if e.scope == "finding"):
        index = index_of.get(entry.target)
        if index is None:
            records.append(
                (order[id(entry)], entry.record("stale", "no finding of this run has this fingerprint"))
            )
            continue
        before = findings[index].verdict
        status, after, note = _judge(entry, before, today)
        if before is Verdict.ERROR and status == "applied" and after is not Verdict.FAIL:
            status, after, note = "refused", before, "the check crashed; fix it or decide the requirement"
        findings[index] = dataclasses.replace(findings[index], verdict=after)
        if status == "accepted" and entry.expires is not None:
            accepted_findings[index] = entry.expires.isoformat()
        records.append(
            (
                order[id(entry)],
                entry.record(status, note, automated=before.value, result=after.value, findings=(index,)),
            )
        )

    folded = fold_requirements(findings, catalog, profile.item_ids)
    accepted: dict[str, str] = {}
    for req in folded:
        if req.verdict is not Verdict.FAIL:
            continue
        failing = [i for i in req.findings if findings[i].verdict is Verdict.FAIL]
        if failing and all(i in accepted_findings for i in failing):
            accepted[req.id] = min(accepted_findings[i] for i in failing)

    by_id = {r.id: n for n, r in enumerate(folded)}
    for entry in (e for e in entries if e.scope == "requirement"):
        n = by_id.get(entry.target)
        if n is None:
            note = (
                f"not a requirement of profile {assessment.profile}"
                if entry.target in catalog
                else "the catalog has no such requirement"
            )
            records.append((order[id(entry)], entry.record("stale", note)))
            continue
        before = folded[n].verdict
        status, after, note = _judge(entry, before, today)
        if status == "accepted" and entry.expires is not None:
            until = entry.expires.isoformat()
            accepted[entry.target] = min(until, accepted.get(entry.target, until))
        folded[n] = dataclasses.replace(folded[n], verdict=after)
        records.append(
            (order[id(entry)], entry.record(status, note, automated=before.value, result=after.value))
        )

    return dataclasses.replace(
        assessment,
        findings=tuple(findings),
        requirements=tuple(folded),
        crosswalk=tuple(crosswalk(folded, catalog)),
        decisions=tuple(record for _n, record in sorted(records, key=lambda nr: nr[0])),
        accepted_risks=accepted,
    )


def stale(assessment: Assessment) -> list[DecisionRecord]:
    """Decisions of the run whose requirement or finding no longer exists."""
    return [d for d in assessment.decisions if d.status == "stale"]


def summary_lines(assessment: Assessment) -> list[str]:
    """One line per decision that did not simply apply, for the CLI's stderr."""
    lines: list[str] = []
    for d in assessment.decisions:
        if d.status in ("applied", "confirmed"):
            continue
        lines.append(f"decision for {d.scope} {d.target} ({d.decision}, {d.reviewer}): {d.status} — {d.note}")
    return lines

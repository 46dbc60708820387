"""Release-to-release diff of two ``report.json`` files (``securable diff``, ``assess --baseline``).

What changed between an old and a new report:

* requirements whose verdict changed, each marked worse or not;
* findings new, gone and changed in verdict, matched by fingerprint
  (:mod:`securable.assess.fingerprint`; computed here for reports that carry none);
* components (from the SBOM the ``fw.sbom.inventory`` check embeds) added, removed or changed in
  version, matched by package URL without its version (or by name);
* known vulnerabilities (``fw.sbom.vulnerabilities`` findings) new and gone.

**A regression** (``--fail-on regression``) is a worsening: a requirement whose verdict got worse
(ranks: pass and not_applicable < manual, inconclusive, not_assessed and an *accepted* fail <
error < fail), a new failing finding or one that turned into a fail, or a new known
vulnerability — in each case unless an unexpired risk acceptance covers it. Anything else
(improvements, new passes, components updated) is reported but is not a regression.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from securable.assess.assessment import REPORT_SCHEMA, Assessment, Baseline
from securable.assess.fingerprint import fingerprints
from securable.errors import UsageError

__all__ = [
    "ReportDiff",
    "ReportError",
    "baseline_from_report",
    "diff_files",
    "diff_reports",
    "load_report",
    "parse_report",
    "with_baseline",
]

MAX_REPORT_BYTES = 256 << 20
INVENTORY_CHECK = "fw.sbom.inventory"
_RANK = {
    "pass": 0,
    "not_applicable": 0,
    "manual": 1,
    "inconclusive": 1,
    "not_assessed": 1,
    "accepted": 1,
    "error": 2,
    "fail": 3,
}


class ReportError(UsageError):
    """A ``report.json`` given to ``diff`` or ``--baseline`` is unreadable or not a securable report."""


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("securable.assess").joinpath("data/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a ``report.json`` (size-capped) and validate it against the ``securable/report/v1`` schema."""
    source = Path(path)
    try:
        with source.open("rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise ReportError(
            f"report '{source}' cannot be read ({exc.strerror or exc})", diagnostics=_REPORT_FIX
        ) from None
    return parse_report(raw, str(source))


_REPORT_FIX = "give a report.json written by 'securable assess --format json'"


def parse_report(raw: bytes, ref: str) -> dict[str, Any]:
    """Validate the bytes of a ``report.json`` named ``ref`` (a path or an upload's name)."""
    fix = _REPORT_FIX
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportError(f"report '{ref}' is larger than {MAX_REPORT_BYTES >> 20} MiB", diagnostics=fix)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"report '{ref}' is not JSON ({exc})", diagnostics=fix) from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise ReportError(f"report '{ref}' is not a {REPORT_SCHEMA} report", diagnostics=fix)
    error = best_match(Draft202012Validator(_schema()).iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ReportError(f"report '{ref}': field '{where}': {error.message}", diagnostics=fix)
    return data


def _findings(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = list(report.get("findings", []))
    computed = fingerprints(items)
    return {str(f.get("fingerprint") or fp): f for f, fp in zip(items, computed, strict=True)}


def baseline_from_report(report: Mapping[str, Any], ref: str) -> Baseline:
    """The :class:`Baseline` an assessment carries for SARIF ``baselineState``."""
    return Baseline(ref=ref, findings=_findings(report))


def with_baseline(assessment: Assessment, path: str | Path) -> Assessment:
    """``assessment`` compared with the report at ``path`` (``assess --baseline``): SARIF
    ``baselineState`` and report.json ``baseline_state`` come from it."""
    return dataclasses.replace(assessment, baseline=baseline_from_report(load_report(path), str(path)))


def _accepted_finding(f: Mapping[str, Any], accepted_reqs: set[str] | None = None) -> bool:
    """Covered by an unexpired risk acceptance: its own, or that of every requirement it cites."""
    decision = f.get("decision") or {}
    if decision.get("status") == "accepted":
        return True
    if accepted_reqs is None:
        return False
    cited = [str(r) for r in f.get("requirements", [])]
    return bool(cited) and all(r in accepted_reqs for r in cited)


def _req_state(r: Mapping[str, Any]) -> str:
    if r.get("verdict") == "fail" and r.get("risk_accepted"):
        return "accepted"
    return str(r.get("verdict"))


def _components(report: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """``key -> (name, version)`` from the SBOM embedded by the inventory check."""
    out: dict[str, tuple[str, str]] = {}
    for f in report.get("findings", []):
        if f.get("check") != INVENTORY_CHECK:
            continue
        bom = (f.get("evidence") or {}).get("cyclonedx") or {}
        for comp in bom.get("components", []) if isinstance(bom, dict) else []:
            if not isinstance(comp, dict):
                continue
            name = str(comp.get("name", ""))
            purl = str(comp.get("purl", ""))
            key = purl.split("@", 1)[0] if purl else f"{comp.get('group', '')}/{name}"
            out[key] = (name, str(comp.get("version", "")))
    return out


def _vulnerabilities(report: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    out: dict[tuple[str, str], Mapping[str, Any]] = {}
    for f in report.get("findings", []):
        evidence = f.get("evidence") or {}
        if f.get("verdict") == "fail" and evidence.get("vulnerability"):
            out[str(evidence["vulnerability"]), str(evidence.get("component", ""))] = f
    return out


@dataclass(frozen=True)
class RequirementChange:
    id: str
    old: str  # verdict, or "accepted" for a fail under an unexpired risk acceptance; "" if absent
    new: str
    worse: bool


@dataclass(frozen=True)
class ComponentChange:
    key: str
    name: str
    old_version: str | None
    new_version: str | None


@dataclass
class ReportDiff:
    """Everything that changed from ``old`` to ``new`` (module docstring)."""

    old_ref: str
    new_ref: str
    requirements: list[RequirementChange] = field(default_factory=list)
    new_findings: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    gone_findings: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    changed_findings: list[tuple[str, str, str]] = field(default_factory=list)  # fp, old, new verdict
    components: list[ComponentChange] = field(default_factory=list)
    new_vulnerabilities: list[tuple[str, str]] = field(default_factory=list)  # (id, component)
    gone_vulnerabilities: list[tuple[str, str]] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)

    @property
    def regression(self) -> bool:
        """True when something got worse (what ``--fail-on regression`` exits 1 on)."""
        return bool(self.regressions)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "securable/diff/v1",
            "old": self.old_ref,
            "new": self.new_ref,
            "regression": self.regression,
            "regressions": self.regressions,
            "requirements": [
                {"id": c.id, "old": c.old or None, "new": c.new or None, "worse": c.worse}
                for c in self.requirements
            ],
            "findings": {
                "new": [{"fingerprint": fp, **_brief(f)} for fp, f in self.new_findings],
                "gone": [{"fingerprint": fp, **_brief(f)} for fp, f in self.gone_findings],
                "changed": [{"fingerprint": fp, "old": o, "new": n} for fp, o, n in self.changed_findings],
            },
            "components": {
                "added": [
                    {"name": c.name, "version": c.new_version}
                    for c in self.components
                    if c.old_version is None
                ],
                "removed": [
                    {"name": c.name, "version": c.old_version}
                    for c in self.components
                    if c.new_version is None
                ],
                "changed": [
                    {"name": c.name, "old": c.old_version, "new": c.new_version}
                    for c in self.components
                    if c.old_version is not None and c.new_version is not None
                ],
            },
            "vulnerabilities": {
                "new": [{"id": v, "component": c} for v, c in self.new_vulnerabilities],
                "gone": [{"id": v, "component": c} for v, c in self.gone_vulnerabilities],
            },
        }

    def lines(self) -> list[str]:
        """A plain-text account, one change per line."""
        out = [f"securable diff {self.old_ref} -> {self.new_ref}"]
        for c in self.requirements:
            mark = "WORSE" if c.worse else "changed"
            out.append(f"requirement {c.id}: {c.old or '(absent)'} -> {c.new or '(absent)'} [{mark}]")
        for fp, f in self.new_findings:
            out.append(f"new finding {fp}: {f.get('check')} {f.get('verdict')} {_where(f)}".rstrip())
        for fp, f in self.gone_findings:
            out.append(f"gone finding {fp}: {f.get('check')} {f.get('verdict')} {_where(f)}".rstrip())
        for fp, old, new in self.changed_findings:
            out.append(f"finding {fp}: {old} -> {new}")
        for comp in self.components:
            if comp.old_version is None:
                out.append(f"component added: {comp.name} {comp.new_version}")
            elif comp.new_version is None:
                out.append(f"component removed: {comp.name} {comp.old_version}")
            else:
                out.append(f"component changed: {comp.name} {comp.old_version} -> {comp.new_version}")
        out.extend(f"new vulnerability: {v} in {c}" for v, c in self.new_vulnerabilities)
        out.extend(f"vulnerability gone: {v} in {c}" for v, c in self.gone_vulnerabilities)
        out.append(f"{len(self.regressions)} regression(s)" if self.regressions else "no regression")
        return out


def _where(f: Mapping[str, Any]) -> str:
    loc = f.get("location") or {}
    if "path" in loc:
        return str(loc["path"])
    if "port" in loc:
        return f"port {loc['port']}"
    return str(loc.get("field", ""))


def _brief(f: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "check": f.get("check"),
        "verdict": f.get("verdict"),
        "message": f.get("message"),
        **({"location": f["location"]} if f.get("location") else {}),
    }


def diff_reports(
    old: Mapping[str, Any], new: Mapping[str, Any], *, old_ref: str = "old", new_ref: str = "new"
) -> ReportDiff:
    """Compare two validated reports (see :func:`load_report`)."""
    out = ReportDiff(old_ref=old_ref, new_ref=new_ref)
    old_reqs = {str(r["id"]): _req_state(r) for r in old.get("requirements", [])}
    new_reqs = {str(r["id"]): _req_state(r) for r in new.get("requirements", [])}
    for req_id in [*new_reqs, *(i for i in old_reqs if i not in new_reqs)]:
        before, after = old_reqs.get(req_id, ""), new_reqs.get(req_id, "")
        if before == after:
            continue
        worse = bool(after) and _RANK.get(after, 1) > _RANK.get(before, 1)  # absent before: unknown
        out.requirements.append(RequirementChange(req_id, before, after, worse))
        if worse:
            out.regressions.append(f"requirement {req_id}: {before or '(absent)'} -> {after}")

    accepted = {str(r["id"]) for r in new.get("requirements", []) if _req_state(r) == "accepted"}
    old_f, new_f = _findings(old), _findings(new)
    for fp, f in new_f.items():
        if fp not in old_f:
            out.new_findings.append((fp, f))
            if f.get("verdict") == "fail" and not _accepted_finding(f, accepted):
                out.regressions.append(f"new failing finding {fp} ({f.get('check')} {_where(f)})".rstrip())
        elif old_f[fp].get("verdict") != f.get("verdict"):
            out.changed_findings.append((fp, str(old_f[fp].get("verdict")), str(f.get("verdict"))))
            if f.get("verdict") == "fail" and not _accepted_finding(f, accepted):
                out.regressions.append(f"finding {fp} ({f.get('check')}) now fails")
    out.gone_findings = [(fp, f) for fp, f in old_f.items() if fp not in new_f]

    old_c, new_c = _components(old), _components(new)
    for key in sorted(set(old_c) | set(new_c)):
        before_c, after_c = old_c.get(key), new_c.get(key)
        if before_c is not None and after_c is not None and before_c[1] == after_c[1]:
            continue
        name = (after_c or before_c or ("", ""))[0]
        out.components.append(
            ComponentChange(key, name, before_c[1] if before_c else None, after_c[1] if after_c else None)
        )

    old_v, new_v = _vulnerabilities(old), _vulnerabilities(new)
    for vuln, f in new_v.items():
        if vuln not in old_v:
            out.new_vulnerabilities.append(vuln)
            if not _accepted_finding(f, accepted):
                out.regressions.append(f"new known vulnerability {vuln[0]} in {vuln[1]}")
    out.gone_vulnerabilities = [k for k in old_v if k not in new_v]
    return out


def diff_files(old: str | Path, new: str | Path) -> ReportDiff:
    """:func:`diff_reports` on two ``report.json`` files."""
    return diff_reports(load_report(old), load_report(new), old_ref=str(old), new_ref=str(new))

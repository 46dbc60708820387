"""``report.sarif``: SARIF 2.1.0, so code-scanning dashboards can show firmware findings.

One ``rule`` per check, with the fix and the paraphrased requirements as ``help`` (``ruleId`` = the
check id; the requirement IDs it evidences are in the rule's and each result's
``properties.requirements``). Every finding becomes a ``result`` whose ``kind`` carries our verdict:
fail → ``fail``, pass → ``pass``, not_applicable → ``notApplicable``, manual → ``review``,
inconclusive → ``open``. ``level`` is set only for ``fail`` (from the severity), as SARIF asks. A
check that crashed or timed out is a tool execution notification, not a result. The exact verdict is
kept in ``properties.verdict``. Firmware paths are URIs relative to the ``IMAGEROOT`` base
(percent-encoded, so odd bytes and markup survive); host findings use a logical location
``host:port/service``.

Every result carries the finding's stable fingerprint (``fingerprints["securable/v1"]``). With a
``--baseline`` report, each result has a ``baselineState`` (``new``, ``unchanged``, ``updated`` when
its verdict changed) and the baseline's findings that are gone come last as ``absent`` results,
so code-scanning UIs show what is new. A finding whose FAIL a reviewer accepted as a risk carries
an ``external`` suppression with status ``accepted`` and the rationale; any reviewer decision is
in ``properties.decision``.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from securable.assess.assessment import Assessment, CheckRun, display, iso
from securable.assess.model import Finding, Severity, Verdict
from securable.catalog import Catalog, load_catalog

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_KIND = {
    Verdict.FAIL: "fail",
    Verdict.PASS: "pass",
    Verdict.NOT_APPLICABLE: "notApplicable",
    Verdict.MANUAL: "review",
    Verdict.INCONCLUSIVE: "open",
}
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _uri(path: str) -> str:
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "backslashreplace")
    return quote(raw.lstrip(b"/"), safe="/")


def _locations(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    if loc is None:
        return {}
    if loc.path is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(loc.path), "uriBaseId": "IMAGEROOT"}}
        if loc.line is not None:
            physical["region"] = {"startLine": loc.line}
        where: dict[str, Any] = {"physicalLocation": physical}
        if loc.filesystem is not None:  # which root filesystem of a vendor blob
            where["logicalLocations"] = [{"name": display(loc.filesystem), "kind": "module"}]
        return {"locations": [where]}
    if loc.host is not None:
        name = f"{loc.host}:{loc.port}" if loc.port is not None else loc.host
        if loc.service:
            name += f"/{loc.service}"
        return {"locations": [{"logicalLocations": [{"name": display(name), "kind": "networkService"}]}]}
    if loc.field is not None:
        return {
            "locations": [
                {"logicalLocations": [{"fullyQualifiedName": display(loc.field), "kind": "declarationField"}]}
            ]
        }
    if loc.filesystem is not None or loc.offset is not None:  # a chunk or region of a vendor blob
        name = (loc.filesystem or "image") + (f"@0x{loc.offset:x}" if loc.offset is not None else "")
        return {"locations": [{"logicalLocations": [{"name": display(name), "kind": "module"}]}]}
    return {}


def _md(text: str) -> str:
    """Markdown prose with raw HTML neutralised (viewers may render HTML inside markdown)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _help(run: CheckRun, catalog: Catalog) -> dict[str, Any]:
    """A rule's ``help`` (text and markdown) and ``helpUri``: the fix, then what it is for.

    The requirement texts are our paraphrase from the catalog; ``helpUri`` is the publication of
    the check's first cited requirement, so a reader can go to the source.
    """
    known = [catalog.item(r) for r in run.requirements if r in catalog]
    fix = run.remediation
    text: list[str] = []
    markdown: list[str] = []
    if fix is not None:
        text.append(f"How to fix: {fix.summary}")
        markdown.append(f"**How to fix:** {_md(fix.summary)}")
        if fix.example:
            text.append(fix.example)
            markdown.append("~~~~\n" + fix.example.replace("~~~~", "~ ~ ~ ~") + "\n~~~~")
        if fix.references:
            text.append("See: " + ", ".join(fix.references))
            markdown.append("See: " + ", ".join(_md(r) for r in fix.references))
    for item in known[:4]:
        text.append(f"{item.id} ({item.title}): {item.text}")
        markdown.append(f"- `{item.id}` **{_md(item.title)}**: {_md(item.text)} ({_md(item.source)})")
    out: dict[str, Any] = {}
    if text:
        out["help"] = {"text": display("\n".join(text)), "markdown": display("\n\n".join(markdown))}
    urls = [catalog.frameworks[i.framework].url for i in known if catalog.frameworks[i.framework].url]
    if urls:
        out["helpUri"] = urls[0]
    return out


def _absent(assessment: Assessment, rule_index: dict[str, int]) -> list[dict[str, Any]]:
    """The baseline's findings this run no longer has, as ``absent`` results."""
    assert assessment.baseline is not None
    out: list[dict[str, Any]] = []
    for fp, old in assessment.baseline.absent(assessment.fingerprints):
        verdict = str(old.get("verdict", ""))
        if verdict not in {v.value for v in _KIND}:
            continue
        check = display(str(old.get("check", "")))
        result: dict[str, Any] = {
            "ruleId": check,
            "kind": _KIND[Verdict(verdict)],
            "level": _LEVEL.get(Severity(old.get("severity", "info")), "note")
            if verdict == "fail"
            else "none",
            "message": {"text": display(str(old.get("message") or check))},
            "baselineState": "absent",
            "fingerprints": {"securable/v1": fp},
            "properties": {"verdict": verdict, "baseline": assessment.baseline.ref},
        }
        if check in rule_index:
            result["ruleIndex"] = rule_index[check]
        out.append(result)
    return out


def render(assessment: Assessment) -> bytes:
    data = assessment.to_json()  # already display-safe strings for evidence and messages
    catalog = load_catalog()
    rules = [
        {
            "id": c.id,
            "name": c.id,
            "shortDescription": {"text": display(c.title)},
            **_help(c, catalog),
            "properties": {"requirements": list(c.requirements), "target": c.target.value},
        }
        for c in assessment.checks
    ]
    rule_index = {c.id: n for n, c in enumerate(assessment.checks)}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for index, (finding, as_json) in enumerate(zip(assessment.findings, data["findings"], strict=True)):
        if finding.verdict is Verdict.ERROR:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": as_json["message"]},
                    "descriptor": {"id": finding.check},
                    "properties": {"evidence": as_json["evidence"]},
                }
            )
            continue
        result: dict[str, Any] = {
            "ruleId": finding.check,
            "kind": _KIND[finding.verdict],
            "level": _LEVEL[finding.severity] if finding.verdict is Verdict.FAIL else "none",
            "message": {"text": as_json["message"] or finding.check},
            **_locations(finding),
            "properties": {
                "verdict": finding.verdict.value,
                "severity": finding.severity.value,
                "requirements": as_json["requirements"],
                "evidence": as_json["evidence"],
                **({"component": finding.component} if finding.component else {}),
            },
        }
        if finding.check in rule_index:
            result["ruleIndex"] = rule_index[finding.check]
        result["fingerprints"] = {"securable/v1": as_json["fingerprint"]}
        if "baseline_state" in as_json:
            result["baselineState"] = as_json["baseline_state"]
        record = assessment.finding_decision(index)
        if record is not None:
            result["properties"]["decision"] = as_json["decision"]
            if record.status == "accepted":
                result["suppressions"] = [
                    {
                        "kind": "external",
                        "status": "accepted",
                        "justification": display(
                            f"{record.rationale} (risk accepted by {record.reviewer} until {record.expires})"
                        ),
                    }
                ]
        results.append(result)
    if assessment.baseline is not None:
        results.extend(_absent(assessment, rule_index))
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "securable",
                        "version": assessment.tool_version,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "startTimeUtc": iso(assessment.started),
                        "endTimeUtc": iso(assessment.finished),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "originalUriBaseIds": {
                    "IMAGEROOT": {"description": {"text": "The root of the assessed firmware image."}}
                },
                "results": results,
                "properties": {
                    "profile": assessment.profile,
                    "requirements": data["requirements"],
                    "summary": data["summary"],
                },
            }
        ],
    }
    return (json.dumps(log, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

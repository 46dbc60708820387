"""``decl.statements``: every requirement of the profile has a statement; N/A claims are justified."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import DeclarationCheck, Remediation
from securable.assess.checks.declaration._common import field, profile_requirements
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration


class RequirementStatementsCheck(DeclarationCheck):
    """Every requirement of the chosen profile is declared ``implemented``, ``not_applicable`` or
    ``not_implemented`` (the ICS of ETSI TS 103 701). A ``not_applicable`` claim must carry a
    justification, otherwise that requirement fails; a justified one makes the requirement
    ``not_applicable`` unless a check finds otherwise; ``not_implemented`` fails the requirement.

    Why: a conformance statement is only useful when it is complete and every exception is argued
    (EN 303 645 clause 4; NIST IR 8425 asks the developer to document which outcomes are not met
    and why). Statements naming IDs the catalog does not know are reported, since a typo would
    silently drop a claim.
    Fix: add every ID from ``securable catalog list --profile P`` under ``requirements:``.
    """

    id = "decl.statements"
    title = "Every profile requirement declared; not-applicable claims justified"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="State every requirement of the profile under requirements: as implemented (with "
        "evidence links), not_applicable (with a justification) or not_implemented; list the IDs with "
        "`securable catalog list --profile nistir8425`.",
        example="requirements:\n"
        "  nistir8425:AI-1: {status: implemented, evidence: [https://example.com/guide#identification]}\n"
        "  nistir8425:IAC-2c:\n"
        "    status: not_applicable\n"
        "    justification: the device talks only to its own cloud service; there is no other component",
        references=("nistir8425:DOC-1c", "en303645:4-1"),
    )

    def run(self, target: Declaration) -> Iterable[Finding]:
        decl = target
        profile_ids = profile_requirements(self.context)
        catalog = self.context.catalog if self.context is not None else None
        for req_id in (*profile_ids, *sorted(set(decl.statements) - set(profile_ids))):
            statement = decl.statements.get(req_id)
            if statement is None:
                continue
            where = field(f"requirements.{req_id}")
            if statement.status == "not_applicable" and not statement.justification:
                yield self.finding(
                    Verdict.FAIL,
                    f"{req_id} is declared not applicable without a justification",
                    location=where,
                    requirements=(req_id, "en303645:4-1"),
                )
            elif statement.status == "not_applicable":
                yield self.finding(
                    Verdict.NOT_APPLICABLE,
                    f"{req_id} is declared not applicable",
                    location=where,
                    evidence={"justification": statement.justification, "scope": "requirement"},
                    requirements=(req_id,),
                )
            elif statement.status == "not_implemented":
                yield self.finding(
                    Verdict.FAIL,
                    f"{req_id} is declared not implemented",
                    location=where,
                    evidence={"justification": statement.justification} if statement.justification else {},
                    requirements=(req_id,),
                )
        missing = [r for r in profile_ids if r not in decl.statements]
        unknown = [r for r in decl.statements if catalog is not None and r not in catalog]
        if unknown:
            yield self.finding(
                Verdict.FAIL,
                f"{len(unknown)} statement(s) name requirement IDs the catalog does not know",
                location=field("requirements"),
                evidence={
                    "unknown": unknown,
                    "did_you_mean": {r: catalog.suggest(r) for r in unknown} if catalog is not None else {},
                },
            )
        if missing:
            yield self.finding(
                Verdict.FAIL,
                f"{len(missing)} of {len(profile_ids)} profile requirements have no statement",
                location=field("requirements"),
                evidence={"missing": missing},
            )
        elif profile_ids:
            yield self.finding(
                Verdict.PASS,
                f"all {len(profile_ids)} profile requirements have a statement",
                location=field("requirements"),
            )

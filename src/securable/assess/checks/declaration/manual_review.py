"""``decl.manual-review``: declared-implemented process outcomes go to a person, with their evidence."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import DeclarationCheck, NotApplicable, Remediation
from securable.assess.checks.declaration._common import NON_TECHNICAL, field, profile_requirements
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration, RequirementStatement


class ManualReviewCheck(DeclarationCheck):
    """For each non-technical requirement of the profile (NIST IR 8425 documentation, query
    reception, dissemination and education outcomes; NIST IR 8259B; CRA vulnerability handling)
    that the declaration marks ``implemented``, hand a reviewer the linked evidence (``manual``).
    A claim with no evidence link to review is ``inconclusive``.

    Why: no tool can judge a disclosure process or a user manual; an assessment must say so
    rather than pass it silently (TS 103 701's conceptual test cases are done by a person).
    Fix: add ``evidence:`` links to each implemented statement in product.yaml.
    """

    id = "decl.manual-review"
    title = "Process outcomes declared implemented: evidence for a reviewer"
    severity = Severity.INFO
    remediation = Remediation(
        summary="Give each implemented process outcome (documentation, vulnerability intake, customer "
        "information and education) the evidence: links a reviewer opens to confirm it.",
        example="requirements:\n"
        "  nistir8425:IQR-1a: {status: implemented, evidence: [https://example.com/security/disclosure-policy]}",
        references=("nistir8425:DOC-1c",),
    )

    def applies(self, target: Declaration) -> NotApplicable | None:
        if not self._to_review(target):
            return NotApplicable(
                "no non-technical requirement of the profile is declared implemented: nothing for a "
                "person to review (decl.statements reports the missing and not-implemented ones)",
                location=field("requirements"),
            )
        return None

    def _to_review(self, target: Declaration) -> list[RequirementStatement]:
        """The implemented statements of the profile's non-technical requirements, in profile order."""
        profile_ids = profile_requirements(self.context) or tuple(target.statements)
        statements = (target.statements.get(req_id) for req_id in profile_ids if NON_TECHNICAL.match(req_id))
        return [s for s in statements if s is not None and s.status == "implemented"]

    def run(self, target: Declaration) -> Iterable[Finding]:
        for statement in self._to_review(target):
            req_id = statement.id
            where = field(f"requirements.{req_id}")
            if statement.evidence:
                yield self.finding(
                    Verdict.MANUAL,
                    f"{req_id} is declared implemented; a person must review the linked evidence",
                    location=where,
                    evidence={"links": list(statement.evidence), "review": "linked-documents"},
                    requirements=(req_id,),
                )
            else:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{req_id} is declared implemented but links no evidence to review",
                    location=where,
                    requirements=(req_id,),
                )

"""``decl.manual-review``: declared-implemented process outcomes go to a person, with their evidence."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import DeclarationCheck
from securable.assess.checks.declaration._common import NON_TECHNICAL, field
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration


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

    def run(self, target: Declaration) -> Iterable[Finding]:
        decl: Declaration = target
        profile_ids = (
            tuple(self.context.requirement_ids) if self.context is not None else tuple(decl.statements)
        )
        for req_id in profile_ids:
            statement = decl.statements.get(req_id)
            if statement is None or statement.status != "implemented" or not NON_TECHNICAL.match(req_id):
                continue
            where = field(f"requirements.{req_id}")
            if statement.evidence:
                yield self.finding(
                    Verdict.MANUAL,
                    f"{req_id} is declared implemented; a person must review the linked evidence",
                    location=where,
                    evidence={"links": list(statement.evidence)},
                    requirements=(req_id,),
                )
            else:
                yield self.finding(
                    Verdict.INCONCLUSIVE,
                    f"{req_id} is declared implemented but links no evidence to review",
                    location=where,
                    requirements=(req_id,),
                )

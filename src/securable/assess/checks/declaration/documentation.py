"""``decl.documentation``: customer-facing security documentation is linked."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import DeclarationCheck, Remediation
from securable.assess.checks.declaration._common import field, is_url
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration


class DocumentationCheck(DeclarationCheck):
    """The declaration links the documents that educate customers about the product's security
    (security guide, setup, secure disposal...). Each link comes out as ``manual``: a person must
    read them; with no link at all the requirement fails.

    Why: NIST IR 8425 asks the developer to educate customers about the product's security
    capabilities and how to use them.
    Fix: list the documents under ``documentation:`` as ``name: https://...`` pairs.
    """

    id = "decl.documentation"
    title = "Security documentation linked for customers"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Link the customer-facing security documents (security guide, setup, secure disposal) "
        "under documentation: as name: https://... pairs; file paths and prose are not links.",
        example="documentation:\n"
        "  security_guide: https://example.com/th-200/security-guide\n"
        "  setup_guide: https://example.com/th-200/setup",
        references=("nistir8425:EA-1a",),
    )

    def run(self, target: Declaration) -> Iterable[Finding]:
        documents = target.documentation
        links = {name: url for name, url in documents.items() if is_url(url)}
        unusable = sorted(set(documents) - set(links))
        if not links:
            yield self.finding(
                Verdict.FAIL,
                "no customer-facing security documentation is linked",
                location=field("documentation"),
                evidence={"not_links": unusable} if unusable else {},
            )
            return
        yield self.finding(
            Verdict.MANUAL,
            f"a person must review {len(links)} linked document(s) for security guidance",
            location=field("documentation"),
            evidence={"links": links, **({"not_links": unusable} if unusable else {})},
        )

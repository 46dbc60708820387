"""``decl.data-deletion``: the declaration says how customers delete their data from the product."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from securable.assess.check import DeclarationCheck, Remediation
from securable.assess.checks.declaration._common import field
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration, RequirementStatement

_DP2 = "nistir8425:DP-2"
# Documentation keys that name deletion instructions: ``decommissioning`` and any key about a
# reset, deleting or erasing data, or disposing of the product (``factory_reset``, ``data_deletion``).
_GUIDANCE_KEY = re.compile(r"decommission|reset|delet|eras|dispos", re.IGNORECASE)


def deletion_guidance(documentation: Mapping[str, str]) -> dict[str, str]:
    """The documentation links that tell the user how to delete their data, by key."""
    return {key: link for key, link in documentation.items() if _GUIDANCE_KEY.search(key) and link.strip()}


class DataDeletionCheck(DeclarationCheck):
    """The declaration states how customers delete their data: ``data_collected`` lists what the
    product keeps, ``documentation.decommissioning`` (or another documentation link whose key names
    a reset, deletion, erasure or disposal) links the user's instructions, and the statement for
    ``nistir8425:DP-2`` is ``implemented`` with evidence, or ``not_applicable`` with a justification.

    Verdicts: personal data collected and no instructions linked fails; a ``not_applicable`` claim
    while ``data_collected`` lists data fails (the product holds customer data); instructions linked
    is ``manual``, because only a person can follow them and confirm the data is really gone
    (factory reset, account and cloud deletion) - the links are in the evidence; nothing collected
    and a justified ``not_applicable`` is ``not_applicable``; anything in between is inconclusive.

    Why: a product that is sold, returned or thrown away still holds its owner's data; NIST IR 8425
    and 8259A ask that customers can delete it, EN 303 645 asks for a simple erasure and for
    instructions, and the CRA asks for secure removal and decommissioning information.
    Fix: list ``data_collected`` (mark personal data ``personal: true``), link the reset and
    deletion instructions as ``documentation.decommissioning``, and state ``nistir8425:DP-2``.
    """

    id = "decl.data-deletion"
    title = "Customer data deletion declared and documented"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="List what the product keeps under data_collected: (personal: true for personal data), "
        "link the reset and deletion instructions as documentation.decommissioning, and state "
        "nistir8425:DP-2.",
        example="data_collected:\n"
        "  - {name: account e-mail, personal: true, purpose: login, retention: account lifetime}\n"
        "documentation:\n"
        "  decommissioning: https://example.com/th-200/reset-and-disposal\n"
        "requirements:\n"
        "  nistir8425:DP-2: {status: implemented, evidence: [https://example.com/th-200/reset-and-disposal]}",
        references=(
            _DP2,
            "nistir8259a:DP-2",
            "en303645:5.11-1",
            "en303645:5.11-3",
            "cra:I.2.m",
            "cra:AII.8.d",
        ),
    )

    def run(self, target: Declaration) -> Iterable[Finding]:
        collected = [item.name for item in target.data_collected]
        personal = [item.name for item in target.data_collected if item.personal]
        guidance = deletion_guidance(target.documentation)
        statement = target.statements.get(_DP2)
        evidence = target.implemented_evidence(_DP2)
        where = field("documentation.decommissioning")

        if statement is not None and statement.status == "not_applicable" and collected:
            yield self.finding(
                Verdict.FAIL,
                f"{_DP2} is declared not applicable, yet the product collects {len(collected)} kind(s) "
                "of data a customer must be able to delete",
                location=field(f"requirements.{_DP2}"),
                evidence={"data_collected": collected, "justification": statement.justification},
            )
        if guidance:
            links = list(dict.fromkeys([*guidance.values(), *evidence]))
            yield self.finding(
                Verdict.MANUAL,
                "deletion instructions are linked; a person must follow them and confirm the customer's "
                "data is really erased (device reset, account and cloud copies)",
                location=where,
                evidence={"links": links, "documents": guidance, "data_collected": collected},
            )
        elif personal:
            yield self.finding(
                Verdict.FAIL,
                f"the product collects personal data ({', '.join(personal)}) but links no instructions "
                "for deleting it",
                location=where,
                evidence={"personal_data": personal},
            )
        elif not collected and statement is not None and _justified_na(statement):
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                "the product declares it collects no customer data, and states deletion not applicable",
                location=field(f"requirements.{_DP2}"),
                evidence={"justification": statement.justification, "scope": "requirement"},
            )
        elif evidence:
            yield self.finding(
                Verdict.MANUAL,
                f"{_DP2} is declared implemented; a person must review the linked evidence and confirm "
                "data is really erased",
                location=field(f"requirements.{_DP2}"),
                evidence={"links": list(evidence), "data_collected": collected},
            )
        else:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                "the declaration neither links deletion instructions nor shows the product keeps no "
                "customer data",
                location=where,
                evidence={"data_collected": collected},
            )


def _justified_na(statement: RequirementStatement) -> bool:
    return statement.status == "not_applicable" and bool(statement.justification)

"""``decl.support-period``: a support period with an end date, long enough for the declared context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from securable.assess.check import DeclarationCheck, Remediation
from securable.assess.checks.declaration._common import field, is_url, months_between
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration

# Minimum support period, in years, that securable expects per declared context. Consumer: the
# EU CRA's five-year floor (Art. 13(8)) for products expected to be used at least that long;
# industrial and medical products stay in service far longer, so securable expects ten. These are
# securable's defaults (derived), not numbers any one standard sets for every product.
MIN_SUPPORT_YEARS = {"consumer": 5, "federal": 5, "industrial": 10, "medical": 10}
_PUBLISHED = ("en303645:5.3-13", "nistir8425:ID-1b", "cra:AII.7")


class SupportPeriodCheck(DeclarationCheck):
    """The declaration states when security support ends (month and year), the end has not passed,
    the period is at least what the declared context expects (consumer 5 years, industrial and
    medical 10), and it is published at a link customers can read.

    Why: buyers must know how long the product gets security updates; NIST IR 8425 asks the
    developer to communicate end of support, EN 303 645 asks for the support period to be published.
    Fix: set ``support.end`` (YYYY-MM), ``support.start`` and ``support.statement_url`` in product.yaml.
    """

    id = "decl.support-period"
    title = "Support period declared, long enough and published"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Declare when security support starts and ends (YYYY-MM), at least 5 years for a "
        "consumer product and 10 for an industrial or medical one, and link the page that publishes it.",
        example="support:\n"
        "  start: 2025-03\n"
        "  end: 2031-03\n"
        "  kind: security updates and vulnerability handling\n"
        "  statement_url: https://example.com/th-200/support",
        references=(
            "nistir8425:ID-1b",
            "nistir8425:DOC-1a",
            "nistir8425:EA-1e",
            "en303645:5.3-13",
            "cra:AII.7",
        ),
    )

    def __init__(self, today: Callable[[], dt.date] = dt.date.today) -> None:
        self._today = today

    def run(self, target: Declaration) -> Iterable[Finding]:
        support = target.support
        today = self._today()
        if support.end is None:
            yield self.finding(
                Verdict.FAIL,
                "no end of the security support period is declared",
                location=field("support.end"),
            )
            return
        start = support.start if support.start is not None else today
        expected_years = MIN_SUPPORT_YEARS.get(target.context, 5)
        months = months_between(start, support.end)
        evidence = {
            "end": support.end_text,
            "start": support.start_text or f"{today.isoformat()} (assessment date; no start declared)",
            "months": months,
            "context": target.context,
            "expected_years": expected_years,
        }
        if support.end < today:
            yield self.finding(
                Verdict.FAIL,
                f"the security support period ended on {support.end.isoformat()}",
                location=field("support.end"),
                evidence=evidence,
            )
        elif months < expected_years * 12:
            yield self.finding(
                Verdict.FAIL,
                f"the support period is {months} months; {_article(target.context)} {target.context} product "
                f"is expected to get "
                f"at least {expected_years} years",
                location=field("support.end"),
                evidence=evidence,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"security support is declared until {support.end_text} ({months} months)",
                location=field("support.end"),
                evidence=evidence,
            )
        url = support.statement_url or target.documentation.get("end_of_support")
        if not is_url(url):
            yield self.finding(
                Verdict.FAIL,
                "the support period is not published at a link customers can read",
                location=field("support.statement_url"),
                requirements=_PUBLISHED,
            )
        else:
            yield self.finding(
                Verdict.MANUAL,
                "a person must confirm the support period is published, as declared, at the linked page",
                location=field("support.statement_url"),
                evidence={"url": url, "end": support.end_text, "review": "linked-documents"},
                requirements=_PUBLISHED,
            )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"

"""``decl.support-period``: a support period with an end date, long enough for the declared context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from securable.assess.check import DeclarationCheck
from securable.assess.checks.declaration._common import field, is_url, months_between
from securable.assess.model import Finding, Severity, Verdict
from securable.assess.targets.declaration import Declaration, month_end

# Minimum support period, in years, that securable expects per declared context. Consumer: the
# EU CRA's five-year floor (Art. 13(8)) for products expected to be used at least that long;
# industrial and medical products stay in service far longer, so securable expects ten. These are
# securable's defaults (derived), not numbers any one standard sets for every product.
MIN_SUPPORT_YEARS = {"consumer": 5, "federal": 5, "industrial": 10, "medical": 10}


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

    def __init__(self, today: Callable[[], dt.date] = dt.date.today) -> None:
        self._today = today

    def run(self, target: Declaration) -> Iterable[Finding]:
        decl: Declaration = target
        support = decl.section("support")
        today = self._today()
        if "end" not in support:
            yield self.finding(
                Verdict.FAIL,
                "no end of the security support period is declared",
                location=field("support.end"),
            )
            return
        end = month_end(support["end"])
        start = month_end(support["start"]) if "start" in support else today
        expected_years = MIN_SUPPORT_YEARS.get(decl.context, 5)
        months = months_between(start, end)
        evidence = {
            "end": support["end"],
            "start": support.get("start", f"{today.isoformat()} (assessment date; no start declared)"),
            "months": months,
            "context": decl.context,
            "expected_years": expected_years,
        }
        if end < today:
            yield self.finding(
                Verdict.FAIL,
                f"the security support period ended on {end.isoformat()}",
                location=field("support.end"),
                evidence=evidence,
            )
        elif months < expected_years * 12:
            yield self.finding(
                Verdict.FAIL,
                f"the support period is {months} months; a {decl.context} product is expected to get "
                f"at least {expected_years} years",
                location=field("support.end"),
                evidence=evidence,
            )
        else:
            yield self.finding(
                Verdict.PASS,
                f"security support is declared until {support['end']} ({months} months)",
                location=field("support.end"),
                evidence=evidence,
            )
        url = support.get("statement_url") or decl.documentation.get("end_of_support")
        if not is_url(url):
            yield self.finding(
                Verdict.FAIL,
                "the support period is not published at a link customers can read",
                location=field("support.statement_url"),
                requirements=("en303645:5.3-13", "nistir8425:ID-1b", "cra:AII.7"),
            )
        else:
            yield self.finding(
                Verdict.MANUAL,
                "a person must confirm the support period is published, as declared, at the linked page",
                location=field("support.statement_url"),
                evidence={"url": url, "end": support["end"]},
                requirements=("en303645:5.3-13", "nistir8425:ID-1b", "cra:AII.7"),
            )

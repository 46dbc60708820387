"""The folding rule, requirement matching (direct, descendants, crosswalk) and carried-over verdicts."""

from __future__ import annotations

import pytest

from securable.assess.model import Finding, Verdict
from securable.assess.verdict import crosswalk, fold, fold_requirements
from securable.catalog import Catalog

P, F, E, INC, M, NA, NS = (
    Verdict.PASS,
    Verdict.FAIL,
    Verdict.ERROR,
    Verdict.INCONCLUSIVE,
    Verdict.MANUAL,
    Verdict.NOT_APPLICABLE,
    Verdict.NOT_ASSESSED,
)


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([], NS),
        ([P], P),
        ([P, NA], P),
        ([NA, NA], NA),
        ([P, F, E, M], F),
        ([P, E, M, INC], E),
        ([P, INC, M], INC),
        ([P, M], M),
        ([NA, M], M),
        ([NS], NS),
        ([NS, NS], NS),
        ([P, NS], INC),  # crosswalk: part of the mapped ground unknown
        ([F, NS], F),
        ([NA, NS], INC),
    ],
)
def test_fold_rule(verdicts: list[Verdict], expected: Verdict) -> None:
    assert fold(verdicts) is expected


def _f(verdict: Verdict, *reqs: str, check: str = "test.x", scope: str | None = None) -> Finding:
    evidence = {"scope": scope} if scope else {}
    return Finding(check=check, verdict=verdict, message="m", requirements=reqs, evidence=evidence)


def test_requirements_by_direct_descendant_and_crosswalk(catalog: Catalog) -> None:
    ids = catalog.profile("nistir8425").item_ids
    findings = [
        _f(P, "nistir8425:AI-1", check="test.a"),
        _f(P, "en303645:5.3-4", check="test.b"),  # maps to nistir8425:SU-2
        _f(F, "cra:I.2.d", check="test.c"),  # maps to IAC-1a and IAC-1b
        _f(P, "nistir8425:IAC-1b", check="test.d"),
        _f(F, "unknown:thing", check="test.e"),  # an ID the catalog does not know: folds nowhere
        _f(NA, "nistir8425:IAC-2c", "nistir8425:IAC-2c", check="test.f", scope="requirement"),
    ]
    reqs = {r.id: r for r in fold_requirements(findings, catalog, ids)}
    assert reqs["nistir8425:AI-1"].verdict is P and reqs["nistir8425:AI-1"].checks == ("test.a",)
    # a pass that arrives only through a (related, not equivalent) crosswalk row proves nothing
    assert reqs["nistir8425:SU-2"].verdict is INC and reqs["nistir8425:SU-2"].via_crosswalk == (
        "en303645:5.3-4",
    )
    assert reqs["nistir8425:IAC-1a"].verdict is F
    assert reqs["nistir8425:IAC-1b"].verdict is F and reqs["nistir8425:IAC-1b"].checks == ("test.c", "test.d")
    assert reqs["nistir8425:IAC-2c"].verdict is NA and reqs["nistir8425:IAC-2c"].findings == (5,)
    assert reqs["nistir8425:DOC-1a"].verdict is NS and reqs["nistir8425:DOC-1a"].checks == ()
    assert all(4 not in r.findings for r in reqs.values())
    cross = {c.id: c for c in crosswalk(list(reqs.values()), catalog)}
    assert cross["cra:I.2.d"].verdict is F and set(cross["cra:I.2.d"].sources) == {
        "nistir8425:IAC-1a",
        "nistir8425:IAC-1b",
    }
    assert cross["en303645:5.3-4"].verdict is INC
    assert cross["cra:I.2.c"].verdict is INC
    assert cross["en303645:5.2-1"].verdict is NS
    assert {c.framework for c in cross.values()} == {"en303645", "cra"}


def test_crosswalked_pass_adds_nothing_to_direct_evidence_but_a_fail_does(catalog: Catalog) -> None:
    ids = catalog.profile("nistir8425").item_ids
    direct_pass = _f(P, "nistir8425:SU-2", check="test.direct")
    related_pass = _f(P, "en303645:5.3-4", check="test.related")
    related_fail = _f(F, "en303645:5.3-4", check="test.related-fail")
    su2 = {r.id: r for r in fold_requirements([direct_pass, related_pass], catalog, ids)}["nistir8425:SU-2"]
    assert su2.verdict is P
    su2 = {r.id: r for r in fold_requirements([direct_pass, related_fail], catalog, ids)}["nistir8425:SU-2"]
    assert su2.verdict is F and su2.via_crosswalk == ("en303645:5.3-4",)


def test_a_failing_sub_item_fails_its_profile_parent(catalog: Catalog) -> None:
    """A finding citing a child counts for a selected item that is its ancestor, not the reverse."""
    findings = [_f(F, "nistir8425:IAC-1b"), _f(P, "nistir8425:IAC-1")]
    reqs = fold_requirements(findings, catalog, ["nistir8425:IAC-1", "nistir8425:IAC-1a"])
    assert [(r.id, r.verdict) for r in reqs] == [("nistir8425:IAC-1", F), ("nistir8425:IAC-1a", NS)]


def test_not_applicable_does_not_travel_over_the_crosswalk() -> None:
    """A check that had nothing to look at says nothing about an item it only maps to."""
    from securable.catalog import load_catalog

    real = load_catalog()
    ids = ["nistir8425:AI-1"]
    na = Finding("t.na", NA, "no SSH server", ("en303645:5.4-2",))
    assert fold_requirements([na], real, ids)[0].verdict is NS
    failing = Finding("t.fail", F, "identity is shared", ("en303645:5.4-2",))
    assert fold_requirements([na, failing], real, ids)[0].verdict is F
    direct = Finding(
        "t.direct", NA, "not a product with identity", ("nistir8425:AI-1",), evidence={"scope": "requirement"}
    )
    assert fold_requirements([direct], real, ids)[0].verdict is NA


def test_a_check_with_nothing_to_look_at_leaves_the_requirement_not_assessed() -> None:
    """No SSH server in the image: the SSH check's not_applicable must not make AI-1 not applicable."""
    from securable.catalog import load_catalog

    real = load_catalog()
    idle = Finding(
        "fw.x", NA, "no SSH server in the image", ("nistir8425:AI-1",), evidence={"scope": "check"}
    )
    unscoped = Finding("fw.y", NA, "nothing to look at", ("nistir8425:AI-1",))
    for findings in ([idle], [unscoped], [idle, unscoped]):
        req = fold_requirements(findings, real, ["nistir8425:AI-1"])[0]
        assert req.verdict is NS
        assert req.reason.startswith("the checks that evidence it had nothing to look at")
        assert req.settle
    passing = Finding("fw.z", P, "unique host key", ("nistir8425:AI-1",))
    assert fold_requirements([idle, passing], real, ["nistir8425:AI-1"])[0].verdict is P


@pytest.mark.parametrize(
    ("verdict", "words"),
    [(M, "review"), (INC, "could not be decided"), (E, "could not finish"), (F, "failed")],
)
def test_every_verdict_says_why_and_open_ones_say_what_settles_them(verdict: Verdict, words: str) -> None:
    from securable.catalog import load_catalog

    finding = Finding("fw.q", verdict, "the reason in the finding", ("nistir8425:AI-1",))
    req = fold_requirements([finding], load_catalog(), ["nistir8425:AI-1"])[0]
    assert req.verdict is verdict and words in req.reason and "the reason in the finding" in req.reason
    assert bool(req.settle) is (verdict is not F)
    assert req.text  # the paraphrased requirement travels with the verdict


def test_a_request_to_read_documents_yields_to_a_check_that_read_them() -> None:
    from securable.catalog import load_catalog

    real = load_catalog()
    ask = Finding(
        "decl.r",
        M,
        "review the linked manual",
        ("nistir8425:DOC-1b",),
        evidence={"review": "linked-documents"},
    )
    read = Finding(
        "doc.c", P, "components named", ("nistir8425:DOC-1b",), evidence={"documents_read": ["m.md"]}
    )
    missing = Finding(
        "doc.c", F, "components missing", ("nistir8425:DOC-1b",), evidence={"documents_read": ["m.md"]}
    )
    judge = Finding(
        "doc.j", M, "judge the policy", ("nistir8425:DOC-1b",), evidence={"documents_read": ["m.md"]}
    )
    other = Finding("decl.o", M, "a person must look", ("nistir8425:DOC-1b",))
    fold1 = lambda *fs: fold_requirements(list(fs), real, ["nistir8425:DOC-1b"])[0].verdict  # noqa: E731
    assert fold1(ask) is M
    assert fold1(ask, read) is P
    assert fold1(ask, missing) is F
    assert fold1(ask, read, judge) is M  # the document check's own judgement request still stands
    assert fold1(ask, read, other) is M  # only requests to read documents yield

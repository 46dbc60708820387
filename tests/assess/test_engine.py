"""The engine: parallel runs, timeouts and crashes as error findings, folding, crosswalk, progress."""

from __future__ import annotations

import time
from pathlib import Path

from securable.assess.engine import EngineOptions, ProgressEvent, run_assessment
from securable.assess.model import TargetKind, Verdict
from securable.assess.targets import FirmwareImage
from securable.catalog import Catalog
from tests.assess import _checks as tc


def _verdicts(assessment: object) -> dict[str, Verdict]:
    return {r.id: r.verdict for r in assessment.requirements}  # type: ignore[attr-defined]


def test_engine_runs_checks_and_folds(rootfs: Path, catalog: Catalog, tmp_path: Path) -> None:
    events: list[ProgressEvent] = []
    checks = [
        tc.PasswdReadable,
        tc.FlagEveryFile,
        tc.Crashes,
        tc.Hangs,
        tc.ReturnsJunk,
        tc.NeedsHost,
        tc.Rendezvous,
        tc.RendezvousB,
        tc.Serial,
        tc.SeesContext,
    ]
    vulndb = tmp_path / "osv"
    vulndb.mkdir()
    start = time.monotonic()
    with FirmwareImage.open(rootfs, vulndb=vulndb) as image:
        result = run_assessment(
            {TargetKind.FIRMWARE: image},
            checks,
            options=EngineOptions(timeout=10, workers=3, vulndb=vulndb),
            catalog=catalog,
            progress=events.append,
        )
    assert time.monotonic() - start < 8  # the hanging check was abandoned after 0.3 s

    runs = {c.id: c for c in result.checks}
    assert "test.needs-host" not in runs  # no host target, so it did not run
    assert runs["test.crashes"].status == "error"
    assert runs["test.hangs"].status == "timeout"
    assert runs["test.returns-junk"].status == "error"
    assert runs["test.passwd-readable"].status == "ok"
    assert [e.done for e in events] == list(range(1, 10)) and events[-1].total == 9

    by_check = {f.check: f for f in result.findings}
    crash = by_check["test.crashes"]
    assert crash.verdict is Verdict.ERROR and "RuntimeError" in crash.message
    assert crash.evidence["reason"] == "exception"
    assert by_check["test.hangs"].evidence["reason"] == "timeout"
    assert by_check["test.rendezvous-a"].verdict is Verdict.PASS  # ran at the same time as -b
    assert by_check["test.serial"].verdict is Verdict.PASS, by_check["test.serial"].evidence
    ctx = by_check["test.sees-context"].evidence
    assert ctx == {
        "profile": "nistir8425",
        "n_requirements": 13,
        "vulndb": str(vulndb),
        "targets": ["firmware"],
        "image_vulndb": str(vulndb),
    }

    verdicts = _verdicts(result)
    assert verdicts["nistir8425:AI-1"] is Verdict.PASS
    assert verdicts["nistir8425:IAC-1b"] is Verdict.FAIL  # via en303645:5.1-1 crosswalk
    assert verdicts["nistir8425:SU-1"] is Verdict.ERROR
    assert verdicts["nistir8425:SU-2"] is Verdict.ERROR
    assert verdicts["nistir8425:IAC-1a"] is Verdict.NOT_ASSESSED
    assert verdicts["nistir8425:ID-1a"] is Verdict.MANUAL
    iac = next(r for r in result.requirements if r.id == "nistir8425:IAC-1b")
    assert iac.via_crosswalk == ("en303645:5.1-1",) and iac.checks == ("test.flag-every-file",)
    assert iac.group == "nistir8425:IAC" and iac.group_title == "Interface Access Control"
    assert dict(iac.mapped) == {"en303645": ("en303645:5.1-1",), "cra": ("cra:I.2.d",)}

    cross = {c.id: c.verdict for c in result.crosswalk}
    assert cross["en303645:5.1-1"] is Verdict.FAIL
    assert cross["cra:I.2.d"] is Verdict.FAIL  # IAC-1b fail, IAC-1a not assessed
    assert cross["en303645:5.3-4"] is Verdict.ERROR
    assert cross["en303645:5.2-1"] is Verdict.NOT_ASSESSED
    assert result.failed and result.summary["fail"] == 1
    assert sum(result.summary.values()) == len(result.requirements) == 13


def test_clean_run_has_no_fail_and_unknown_profile_is_usage_error(rootfs: Path, catalog: Catalog) -> None:
    import pytest

    from securable.errors import UnknownRequirementError

    with FirmwareImage.open(rootfs) as image:
        result = run_assessment({TargetKind.FIRMWARE: image}, [tc.PasswdReadable], catalog=catalog)
        assert not result.failed and result.summary["pass"] == 1
        with pytest.raises(UnknownRequirementError) as err:
            run_assessment(
                {TargetKind.FIRMWARE: image},
                [tc.PasswdReadable],
                catalog=catalog,
                options=EngineOptions("nistir8452"),
            )
    assert err.value.exit_code == 2 and "nistir8425" in err.value.diagnostics


def test_progress_events_count_findings_per_verdict(tmp_path: Path) -> None:
    """The CLI prints "[n/N] check-id: 1 fail" from these counts."""

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (tmp_path / "a").write_text("x")
    events: list[ProgressEvent] = []
    with FirmwareImage.open(tmp_path) as image:
        run_assessment(
            {TargetKind.FIRMWARE: image}, [tc.PasswdReadable, tc.FlagEveryFile], progress=events.append
        )
    by_check = {e.check: dict(e.verdicts) for e in events}
    assert by_check["test.passwd-readable"] == {"pass": 1}
    assert by_check["test.flag-every-file"] == {"fail": 2}

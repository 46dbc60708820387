"""Run checks against targets and fold the findings into an :class:`Assessment`.

How a run goes:

1. The caller opens the targets (``FirmwareImage``, ``LiveHost``, ``Declaration``) and passes them
   by kind; the firmware image is wrapped once in a :class:`~securable.assess.facts.FirmwareView`,
   whose facts the checks share. Every registered check whose ``target`` kind is present runs;
   the others do not, and the requirements only they would have touched come out ``not_assessed``.
2. Each check gets a **fresh instance** with ``check.context`` set to an
   :class:`~securable.assess.model.AssessmentContext`: the profile and its requirement IDs, the
   catalog, every target of the run (for cross-checks) and ``vulndb`` — the ``--vulndb`` folder of
   OSV records (``Path | None``). The firmware target carries the same folder as ``.vulndb``.
3. Checks with ``parallel = True`` (the default) run on a small pool of daemon threads; the others
   run one at a time afterwards. Every check has a timeout (its own ``timeout`` or the run's
   default). A check that raises becomes one ``error`` finding with the exception; one that runs
   out of time becomes an ``error`` finding with reason ``timeout`` and is abandoned (its thread is
   a daemon, so it cannot keep the process alive). No result is ever dropped silently.
4. Findings are folded per requirement (:mod:`securable.assess.verdict`) and crosswalked.

Threads, not processes: checks are IO-bound (reading the image index, probing sockets) and share
the read-only image view and catalog, which are safe to share between threads.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import queue
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from securable import __version__
from securable.assess.assessment import Assessment, CheckRun, TargetRef
from securable.assess.blob_coverage import (
    COVERAGE_CHECK,
    COVERAGE_TITLE,
    coverage_findings,
    firmware_map,
    firmware_units,
    in_filesystem,
    no_root_findings,
)
from securable.assess.check import Check
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import AssessmentContext, Finding, Severity, TargetKind, Verdict
from securable.assess.verdict import crosswalk, fold_requirements
from securable.catalog import DEFAULT_PROFILE, Catalog, load_catalog

__all__ = ["DEFAULT_TIMEOUT", "EngineOptions", "ProgressEvent", "run_assessment"]

DEFAULT_TIMEOUT = 120.0
_SEQ = itertools.count()


@dataclass(frozen=True)
class ProgressEvent:
    """Sent after each check: ``done`` of ``total`` checks finished; ``status`` ok/error/timeout."""

    done: int
    total: int
    check: str
    status: str
    findings: int
    verdicts: Mapping[str, int] = field(default_factory=dict)  # finding count per verdict


@dataclass(frozen=True)
class EngineOptions:
    profile: str = DEFAULT_PROFILE
    timeout: float = DEFAULT_TIMEOUT  # per check, unless the check sets its own
    workers: int = field(default_factory=lambda: max(2, min(4, os.cpu_count() or 2)))
    vulndb: Path | None = None
    # documentation entries that are URLs are fetched only when this is set (``--fetch-docs``)
    fetch_docs: bool = False


@dataclass
class _Job:
    cls: type[Check[Any]]
    target: Any
    filesystem: str | None = None  # a vendor blob's root filesystem this job looks at
    seq: int = field(default_factory=lambda: next(_SEQ))  # unique across runs: late results never collide
    started: float = 0.0
    deadline: float = 0.0


def _error_finding(cls: type[Check[Any]], message: str, evidence: Mapping[str, Any]) -> Finding:
    return Finding(
        check=cls.id,
        verdict=Verdict.ERROR,
        message=message,
        requirements=tuple(cls.evidences),
        severity=Severity.INFO,
        evidence=dict(evidence),
    )


def _run_check(cls: type[Check[Any]], target: Any, context: AssessmentContext) -> list[Finding]:
    check = cls()
    check.context = context
    findings = list(check.evaluate(target))
    for finding in findings:
        if not isinstance(finding, Finding):
            raise TypeError(f"check returned {type(finding).__name__}, not Finding")
    return findings


class _Runner:
    """A bounded pool of daemon threads with per-job deadlines."""

    def __init__(
        self, context: AssessmentContext, on_done: Callable[[_Job, str, list[Finding], float], None]
    ):
        self._context = context
        self._on_done = on_done
        self._results: queue.Queue[tuple[int, str, list[Finding] | BaseException, float]] = queue.Queue()

    def run(self, jobs: Sequence[_Job], workers: int, default_timeout: float) -> None:
        pending = [(job.seq, job) for job in jobs][::-1]
        running: dict[int, _Job] = {}
        while pending or running:
            while pending and len(running) < workers:
                index, job = pending.pop()
                job.started = time.monotonic()
                timeout = job.cls.timeout if job.cls.timeout is not None else default_timeout
                job.deadline = job.started + timeout
                running[index] = job
                threading.Thread(
                    target=self._work, args=(index, job), name=f"check:{job.cls.id}", daemon=True
                ).start()
            wait = max(0.0, min(j.deadline for j in running.values()) - time.monotonic())
            try:
                index, status, result, seconds = self._results.get(timeout=wait)
            except queue.Empty:
                now = time.monotonic()
                for index, job in list(running.items()):
                    if job.deadline <= now:
                        del running[index]
                        limit = job.deadline - job.started
                        finding = _error_finding(
                            job.cls,
                            f"check {job.cls.id} did not finish within {limit:g} s and was abandoned",
                            {"reason": "timeout", "timeout_seconds": limit},
                        )
                        self._on_done(job, "timeout", [finding], now - job.started)
                continue
            if index not in running:
                continue  # finished after its deadline; already reported as a timeout
            job = running.pop(index)
            if isinstance(result, BaseException):
                finding = _error_finding(
                    job.cls,
                    f"check {job.cls.id} crashed: {type(result).__name__}: {result}",
                    {
                        "reason": "exception",
                        "exception": type(result).__name__,
                        "traceback": "".join(traceback.format_exception(result)[-3:]),
                    },
                )
                self._on_done(job, "error", [finding], seconds)
            else:
                self._on_done(job, status, result, seconds)

    def _work(self, index: int, job: _Job) -> None:
        start = time.monotonic()
        try:
            findings = _run_check(job.cls, job.target, self._context)
        except BaseException as exc:  # a check's crash is data, not the run's crash
            self._results.put((index, "error", exc, time.monotonic() - start))
            return
        self._results.put((index, "ok", findings, time.monotonic() - start))


def _views(targets: Mapping[TargetKind, Any], fetch_docs: bool = False) -> dict[TargetKind, Any]:
    """What checks receive: the firmware image wrapped once in its :class:`FirmwareView`, and
    the declaration's documents opened as a target of their own."""
    out = dict(targets)
    if TargetKind.DECLARATION in out and TargetKind.DOCUMENTS not in out:
        # The declaration's documents; URLs among them are fetched only with ``fetch_docs``
        # (``EngineOptions.fetch_docs``, the CLI's ``--fetch-docs``), within the document limits.
        from securable.assess.targets.documents import Documents

        out[TargetKind.DOCUMENTS] = Documents.from_declaration(out[TargetKind.DECLARATION], fetch=fetch_docs)
    if TargetKind.FIRMWARE in out:
        out[TargetKind.FIRMWARE] = FirmwareView.of(out[TargetKind.FIRMWARE])
    return out


def run_assessment(
    targets: Mapping[TargetKind, Any],
    checks: Sequence[type[Check[Any]]] | None = None,
    *,
    options: EngineOptions | None = None,
    catalog: Catalog | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Assessment:
    """Run ``checks`` (default: the registry) against ``targets`` and return the folded result.

    Raises :class:`~securable.errors.UnknownRequirementError` for an unknown profile (exit 2).
    """
    options = options or EngineOptions()
    catalog = catalog or load_catalog()
    profile = catalog.profile(options.profile)
    raw_targets = targets
    targets = _views(targets, options.fetch_docs)
    if checks is None:
        from securable.assess.registry import checks_for

        checks = checks_for(targets)  # only the families of the targets at hand are imported
    # A vendor blob: firmware checks run once per root filesystem (see blob_coverage).
    fmap = firmware_map(raw_targets.get(TargetKind.FIRMWARE))
    units: list[tuple[str | None, Any]] = []
    if TargetKind.FIRMWARE in targets:
        units = firmware_units(raw_targets[TargetKind.FIRMWARE], targets[TargetKind.FIRMWARE])
        if fmap is not None and units:
            targets[TargetKind.FIRMWARE] = units[0][1]  # what cross-checks see
    context = AssessmentContext(
        profile=profile.key,
        requirement_ids=profile.item_ids,
        vulndb=options.vulndb,
        # A blob with no root filesystem is not an empty device: cross-checks see no firmware at all.
        targets={k: v for k, v in targets.items() if not (k is TargetKind.FIRMWARE and fmap and not units)},
        catalog=catalog,
    )
    selected = [c for c in checks if c.target in targets]

    def jobs_of(c: type[Check[Any]]) -> list[_Job]:
        if c.target is TargetKind.FIRMWARE:
            return [_Job(c, view, name) for name, view in units]
        return [_Job(c, targets[c.target])]

    parallel = [job for c in selected if c.parallel for job in jobs_of(c)]
    serial = [job for c in selected if not c.parallel for job in jobs_of(c)]
    order = {c.id: n for n, c in enumerate(selected)}
    results: dict[str, tuple[list[Finding], CheckRun]] = {}
    lock = threading.Lock()
    total = len(parallel) + len(serial)
    finished_jobs = 0

    def on_done(job: _Job, status: str, findings: list[Finding], seconds: float) -> None:
        nonlocal finished_jobs
        cls = job.cls
        findings = [in_filesystem(f, job.filesystem) for f in findings]
        with lock:
            earlier, before = results.get(cls.id, ([], None))
            if before is not None:  # the same check on another root filesystem of the blob
                seconds += before.seconds
                status = status if status != "ok" else before.status
                findings = earlier + findings
            results[cls.id] = (
                findings,
                CheckRun(
                    cls.id,
                    cls.title,
                    cls.target,
                    tuple(cls.evidences),
                    seconds,
                    status,
                    len(findings),
                    cls.remediation,
                ),
            )
            finished_jobs += 1
            done = finished_jobs
        if progress is not None:
            counts = dict(Counter(f.verdict.value for f in findings))
            progress(ProgressEvent(done, total, cls.id, status, len(findings), counts))

    started = clock()
    runner = _Runner(context, on_done)
    runner.run(parallel, max(1, options.workers), options.timeout)
    runner.run(serial, 1, options.timeout)
    if fmap is not None:
        firmware_checks = [c for c in selected if c.target is TargetKind.FIRMWARE]
        if not units:  # no root filesystem: each firmware check says it could not look
            for c in firmware_checks:
                found = no_root_findings(fmap, c)
                results[c.id] = (
                    found,
                    CheckRun(
                        c.id, c.title, c.target, tuple(c.evidences), 0.0, "ok", len(found), c.remediation
                    ),
                )
        coverage = coverage_findings(fmap, firmware_checks)
        order[COVERAGE_CHECK] = -1
        requirements_cited = tuple(dict.fromkeys(r for f in coverage for r in f.requirements))
        results[COVERAGE_CHECK] = (
            coverage,
            CheckRun(
                COVERAGE_CHECK,
                COVERAGE_TITLE,
                TargetKind.FIRMWARE,
                requirements_cited,
                fmap.seconds,
                "ok",
                len(coverage),
            ),
        )
    finished = clock()

    ordered = sorted(results.items(), key=lambda kv: order[kv[0]])
    findings = tuple(f for _id, (fs, _run) in ordered for f in fs)
    requirements = fold_requirements(findings, catalog, profile.item_ids)
    return Assessment(
        profile=profile.key,
        profile_title=profile.title,
        started=started,
        finished=finished,
        targets=tuple(
            TargetRef(
                kind,
                str(getattr(t, "ref", t)),
                tuple(getattr(t, "notes", ()) or ()),
                firmware_map=fmap.to_json() if fmap is not None and kind is TargetKind.FIRMWARE else None,
            )
            for kind, t in raw_targets.items()
        ),
        findings=findings,
        requirements=tuple(requirements),
        crosswalk=tuple(crosswalk(requirements, catalog)),
        checks=tuple(run for _id, (_fs, run) in ordered),
        tool_version=__version__,
    )

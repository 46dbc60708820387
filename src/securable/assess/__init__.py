"""Prove it: targets, checks, verdicts and reports (``securable assess``).

A run opens its targets — a :class:`FirmwareImage`, a live host
(:class:`~securable.assess.targets.host.LiveHost`, imported on demand so firmware-only runs do
not load the network stack), a :class:`Declaration` — and hands them to :func:`run_assessment`,
which runs every registered check (:func:`all_checks`), folds the findings into one verdict per
requirement of the chosen profile, and carries the verdicts over to EN 303 645 and the CRA.
:func:`write_reports` renders the :class:`Assessment` in every format of :data:`FORMATS`.

Example::

    from pathlib import Path

    from securable.assess import Declaration, EngineOptions, FirmwareImage, TargetKind
    from securable.assess import run_assessment, write_reports

    with FirmwareImage.open("rootfs.tar.gz") as image:
        result = run_assessment(
            {TargetKind.FIRMWARE: image, TargetKind.DECLARATION: Declaration.load("product.yaml")},
            options=EngineOptions(profile="nistir8425"),
        )
    write_reports(result, Path("reports"), ["json", "html"])
"""

from __future__ import annotations

from securable.assess.assessment import Assessment
from securable.assess.check import (
    Check,
    DeclarationCheck,
    FirmwareCheck,
    HostCheck,
    NotApplicable,
    Remediation,
)
from securable.assess.engine import EngineOptions, ProgressEvent, run_assessment
from securable.assess.facts import FirmwareView
from securable.assess.model import (
    AssessmentContext,
    Finding,
    ImageView,
    Location,
    Severity,
    TargetKind,
    Verdict,
)
from securable.assess.registry import all_checks, check_by_id, checks_for
from securable.assess.reports import FORMATS, write_reports
from securable.assess.targets import Declaration, FirmwareImage

__all__ = [
    "FORMATS",
    "Assessment",
    "AssessmentContext",
    "Check",
    "Declaration",
    "DeclarationCheck",
    "EngineOptions",
    "Finding",
    "FirmwareCheck",
    "FirmwareImage",
    "FirmwareView",
    "HostCheck",
    "ImageView",
    "Location",
    "NotApplicable",
    "ProgressEvent",
    "Remediation",
    "Severity",
    "TargetKind",
    "Verdict",
    "all_checks",
    "check_by_id",
    "checks_for",
    "run_assessment",
    "write_reports",
]

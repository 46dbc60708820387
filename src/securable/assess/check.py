"""The check bases: one generic :class:`Check` and one typed base per target kind.

A check is one module under ``assess/checks/<kind>/`` holding one class derived from
:class:`FirmwareCheck`, :class:`HostCheck` or :class:`DeclarationCheck`. It declares its
``id``, ``title``, ``severity`` and ``remediation``; its docstring is its documentation. The
requirements it evidences are *data* (``catalog/data/check-evidence.yaml``), read through
:attr:`Check.evidences`, so citations are validated against the catalog's crosswalks in one place.

The engine calls :meth:`Check.evaluate`: first :meth:`Check.applies` — a check whose subject is
absent (no SSH server in the image, no TLS service on the host) says so there, once, and
yields one ``not_applicable`` finding marked ``scope: check`` — then :meth:`Check.run` with
the typed target. Adding a check means adding its module, its entry in the evidence data and
its fixture folder ``tests/assess/checks/<check-id>/`` with ``pass`` and ``fail`` cases; the
registry finds the module by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import AssessmentContext, Finding, Location, Severity, TargetKind, Verdict
from securable.catalog.evidence import load_check_evidence

if TYPE_CHECKING:
    from securable.assess.targets.app import AndroidApp  # noqa: F401 - used in Check[...]
    from securable.assess.targets.declaration import Declaration  # noqa: F401 - used in Check[...]
    from securable.assess.targets.host import LiveHost  # noqa: F401 - used in Check[...]

__all__ = [
    "AppCheck",
    "Check",
    "DeclarationCheck",
    "FirmwareCheck",
    "HostCheck",
    "NotApplicable",
    "Remediation",
]

T = TypeVar("T")


@dataclass(frozen=True)
class NotApplicable:
    """Why a check has nothing to look at on this target (returned by :meth:`Check.applies`)."""

    reason: str
    location: Location | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Remediation:
    """How to fix a failure: one sentence first, then an optional example and references.

    ``summary`` is what a developer does; ``example`` is a short snippet where one fits (the
    ``sshd_config`` line, the command); ``references`` are requirement IDs or URLs to read.
    """

    summary: str
    example: str = ""
    references: tuple[str, ...] = ()


class _Citations:
    """``Check.evidences``: the check's requirement IDs, looked up in the evidence data by ``id``."""

    def __get__(self, obj: object, owner: type[Check[Any]]) -> tuple[str, ...]:
        entry = load_check_evidence().get(owner.id)
        if entry is None:
            raise LookupError(
                f"check {owner.id} has no entry in the catalog's check-evidence.yaml; add one citing "
                "the NIST IR 8425 items it bears on"
            )
        return entry.requirements


class Check(Generic[T]):
    """Base of every check. Subclass one of the typed bases below, not this class.

    The subclass docstring is the check's documentation (reports, ``--list-checks``): what is
    looked at, why it matters, how to fix a failure.
    """

    id: ClassVar[str]  # stable, dotted: "fw.credentials.empty-password"
    title: ClassVar[str]
    target: ClassVar[TargetKind]
    evidences: ClassVar[tuple[str, ...]] = _Citations()  # type: ignore[assignment]
    severity: ClassVar[Severity] = Severity.MEDIUM  # default severity of a failing finding
    remediation: ClassVar[Remediation | None] = None
    # False for checks that must not run beside others (e.g. probes that would overload a small
    # device); the engine runs those one at a time after the parallel ones.
    parallel: ClassVar[bool] = True
    timeout: ClassVar[float | None] = None  # seconds; None = the engine's default per-check timeout
    context: AssessmentContext | None = None  # set by the engine before evaluate()

    def applies(self, target: T) -> NotApplicable | None:
        """``None`` when the check can look at ``target``, else why there is nothing to look at."""
        return None

    def run(self, target: T) -> Iterable[Finding]:
        raise NotImplementedError

    def evaluate(self, target: T) -> Iterator[Finding]:
        """What the engine calls: :meth:`applies`, then :meth:`run` when the check applies."""
        absent = self.applies(target)
        if absent is not None:
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                absent.reason,
                location=absent.location,
                evidence={"scope": "check", **absent.evidence},
            )
            return
        yield from self.run(target)

    def finding(
        self,
        verdict: Verdict,
        message: str,
        *,
        location: Location | None = None,
        evidence: Mapping[str, Any] | None = None,
        severity: Severity | None = None,
        requirements: tuple[str, ...] | None = None,
    ) -> Finding:
        """A finding of this check; failing findings default to the check's severity."""
        if severity is None:
            severity = self.severity if verdict is Verdict.FAIL else Severity.INFO
        return Finding(
            check=self.id,
            verdict=verdict,
            message=message,
            requirements=requirements if requirements is not None else self.evidences,
            severity=severity,
            location=location,
            evidence=dict(evidence or {}),
        )

    @classmethod
    def describe(cls) -> str:
        return (cls.__doc__ or "").strip()


class FirmwareCheck(Check[FirmwareView]):
    """A check of a firmware image: receives the :class:`FirmwareView` (image + shared facts)."""

    target = TargetKind.FIRMWARE


class HostCheck(Check["LiveHost"]):
    """A check of a live device on the network: receives the :class:`LiveHost`."""

    target = TargetKind.HOST


class AppCheck(Check["AndroidApp"]):
    """A check of the companion app's package: receives the :class:`AndroidApp`.

    Cross-checks with the declared connections reach the declaration through ``context``.
    """

    target = TargetKind.APP


class DeclarationCheck(Check["Declaration"]):
    """A check of the manufacturer's ``product.yaml``: receives the :class:`Declaration`.

    Cross-checks reach the other targets of the run through :attr:`firmware` / ``context``.
    """

    target = TargetKind.DECLARATION

    @property
    def firmware(self) -> FirmwareView | None:
        """The run's firmware image, when one was given."""
        if self.context is None:
            return None
        image = self.context.targets.get(TargetKind.FIRMWARE)
        return None if image is None else FirmwareView.of(image)

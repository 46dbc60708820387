"""Small test-only checks that exercise the engine: they pass, fail, crash, hang, run serially."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any, ClassVar

from securable.assess.check import Check, Remediation
from securable.assess.model import Finding, ImageView, Location, Severity, TargetKind, Verdict


class PasswdReadable(Check):
    """Passes when /etc/passwd can be read from the image; fails otherwise."""

    id = "test.passwd-readable"
    title = "passwd readable"
    evidences = ("nistir8425:AI-1",)
    target = TargetKind.FIRMWARE

    def run(self, target: Any) -> Iterable[Finding]:
        image: ImageView = target
        ok = image.read_text("/etc/passwd") is not None
        yield self.finding(
            Verdict.PASS if ok else Verdict.FAIL, "passwd", location=Location(path="/etc/passwd")
        )


class FlagEveryFile(Check):
    """Fails once per regular file (so hostile names reach every report)."""

    id = "test.flag-every-file"
    title = "flag every file <b>bold</b>"
    remediation = Remediation(
        "remove every file <i>from</i> the image",
        example="rm -rf /* <script>x</script>",
        references=("nistir8425:IAC-1b",),
    )
    evidences = ("en303645:5.1-1",)  # reaches nistir8425:IAC-1b only through the crosswalk
    target = TargetKind.FIRMWARE
    severity = Severity.HIGH

    def run(self, target: Any) -> Iterable[Finding]:
        image: ImageView = target
        for entry in image.files():
            if entry.kind.value == "file":
                yield self.finding(
                    Verdict.FAIL,
                    f"file {entry.path} flagged",
                    location=Location(path=entry.path),
                    evidence={"path": entry.path, "size": entry.size},
                )


class Crashes(Check):
    """Raises, to show a crash becomes an error finding."""

    id = "test.crashes"
    title = "crashes"
    evidences = ("nistir8425:SU-1",)
    target = TargetKind.FIRMWARE

    def run(self, target: Any) -> Iterable[Finding]:
        raise RuntimeError("boom <script>")


class Hangs(Check):
    """Sleeps far beyond its timeout."""

    id = "test.hangs"
    title = "hangs"
    evidences = ("nistir8425:SU-2",)
    target = TargetKind.FIRMWARE
    timeout: ClassVar[float | None] = 0.3

    def run(self, target: Any) -> Iterable[Finding]:
        time.sleep(30)
        return []


class ReturnsJunk(Check):
    """Returns something that is not a Finding."""

    id = "test.returns-junk"
    title = "returns junk"
    evidences = ("nistir8425:DOC-1a",)
    target = TargetKind.FIRMWARE

    def run(self, target: Any) -> Iterable[Finding]:
        return ["not a finding"]  # type: ignore[list-item]


class NeedsHost(Check):
    """Targets a host; never runs in a firmware-only assessment."""

    id = "test.needs-host"
    title = "needs host"
    evidences = ("nistir8425:IAC-1a",)
    target = TargetKind.HOST

    def run(self, target: Any) -> Iterable[Finding]:
        yield self.finding(Verdict.FAIL, "should not run")


class Rendezvous(Check):
    """Two instances must run at the same time to meet at the barrier (proves parallelism)."""

    id = "test.rendezvous-a"
    title = "rendezvous"
    evidences = ("nistir8425:EA-1a",)
    target = TargetKind.FIRMWARE
    barrier: ClassVar[threading.Barrier] = threading.Barrier(2)

    def run(self, target: Any) -> Iterable[Finding]:
        self.barrier.wait(timeout=5)
        yield self.finding(Verdict.PASS, "met")


class RendezvousB(Rendezvous):
    id = "test.rendezvous-b"


class Serial(Check):
    """Must not run beside others: records whether anything else was running."""

    id = "test.serial"
    title = "serial"
    evidences = ("nistir8425:EA-1e",)
    target = TargetKind.FIRMWARE
    parallel = False

    def run(self, target: Any) -> Iterable[Finding]:
        others = [
            t.name
            for t in threading.enumerate()
            if t.name.startswith("check:") and t.name != "check:test.serial"
        ]
        alive = [n for n in others if n not in ("check:test.hangs",)]
        yield self.finding(Verdict.PASS if not alive else Verdict.FAIL, "alone", evidence={"others": alive})


class SeesContext(Check):
    """Reports what the engine put in its context."""

    id = "test.sees-context"
    title = "sees context"
    evidences = ("nistir8425:ID-1a",)
    target = TargetKind.FIRMWARE

    def run(self, target: Any) -> Iterable[Finding]:
        ctx = self.context
        assert ctx is not None
        yield self.finding(
            Verdict.MANUAL,
            "context",
            evidence={
                "profile": ctx.profile,
                "n_requirements": len(ctx.requirement_ids),
                "vulndb": str(ctx.vulndb),
                "targets": sorted(k.value for k in ctx.targets),
                "image_vulndb": str(getattr(target, "vulndb", None)),
            },
        )

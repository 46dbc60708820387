"""``app.debuggable``: the released app is not debuggable."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import AppCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.app import AndroidApp


class DebuggableCheck(AppCheck):
    """``android:debuggable="true"`` in the manifest of the app customers install.

    A debuggable app lets anyone with the phone attach a debugger over USB or ``adb``, run code
    as the app (``run-as``) and read its private files — the tokens and keys it uses to reach the
    device and the backend. Release builds set it to false by default; a true value means a
    debug build was shipped. Fix: build the release variant (Gradle sets ``debuggable false``).
    """

    id = "app.debuggable"
    title = "Companion app is not debuggable"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Ship the release build: remove android:debuggable from the manifest "
        "(release builds default to false).",
        example="buildTypes { release { debuggable false } }",
        references=("nistir8425:IAC-1a", "en303645:5.6-4"),
    )

    def run(self, target: AndroidApp) -> Iterable[Finding]:
        location = Location(path=f"{target.ref}!AndroidManifest.xml")
        if target.application_flag("debuggable"):
            yield self.finding(
                Verdict.FAIL,
                f"app {target.package} {target.version} is debuggable: anyone holding the phone can attach a "
                "debugger and read the app's private data",
                location=location,
                evidence={"package": target.package, "debuggable": True},
            )
            return
        yield self.finding(
            Verdict.PASS,
            f"app {target.package} {target.version} is not debuggable",
            location=location,
            evidence={"package": target.package, "debuggable": False},
        )

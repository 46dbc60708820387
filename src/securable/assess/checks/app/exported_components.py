"""``app.exported-components``: other apps on the phone cannot reach the app's components freely."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import AppCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.app import AndroidApp


class ExportedComponentsCheck(AppCheck):
    """Activities, services, receivers and providers that any other app may start or query.

    An exported component without a permission is an interface of the app open to every other
    app on the phone: a service that sends commands to the device, a receiver that changes
    settings, a provider that returns the customer's data. Each such component fails (a
    provider at high severity: it hands out data). The launcher activity is exported by
    necessity and is not counted. Components exported only because they have an intent filter
    are named as such: from API 31 the attribute must be written.
    """

    id = "app.exported-components"
    title = "Companion app components are not open to other apps"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary='Set android:exported="false" on every component other apps do not need, and '
        "protect the others with a signature-level permission.",
        example='<service android:name=".Sync" android:exported="false"/>',
        references=("nistir8425:IAC-1b", "en303645:5.6-1"),
    )

    def run(self, target: AndroidApp) -> Iterable[Finding]:
        location = Location(path=f"{target.ref}!AndroidManifest.xml")
        open_components = [c for c in target.components if c.exported and not c.permission and not c.launcher]
        for component in open_components:
            how = "android:exported=true" if component.explicit else "an intent filter (exported implicitly)"
            yield self.finding(
                Verdict.FAIL,
                f"{component.kind} {component.name} is exported by {how} without a permission: "
                "any app on the phone can reach it",
                location=location,
                severity=Severity.HIGH if component.kind == "provider" else None,
                evidence={
                    "component": component.name,
                    "kind": component.kind,
                    "explicit": component.explicit,
                },
            )
        if not open_components:
            guarded = [c.name for c in target.components if c.exported and c.permission]
            yield self.finding(
                Verdict.PASS,
                f"none of {len(target.components)} components of {target.package} is open to other apps"
                + (f" ({len(guarded)} exported behind a permission)" if guarded else ""),
                location=location,
                evidence={"components": len(target.components), "guarded": guarded},
            )

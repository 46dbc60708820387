"""``app.backup-allowed``: the app's private data cannot be copied off the phone by backup."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import AppCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.app import AndroidApp


class BackupAllowedCheck(AppCheck):
    """``android:allowBackup`` and the backup rules the app gives.

    Android backs an app's private files up (to the cloud, to another phone, and for older apps
    over ``adb backup``) unless the app opts out; the default is to allow it. For a companion
    app, those files hold the pairing tokens and credentials for the device and the backend.
    An app that allows backup with explicit rules (``fullBackupContent`` or
    ``dataExtractionRules``) is ``inconclusive``: a person must check the rules exclude them.
    """

    id = "app.backup-allowed"
    title = "Companion app data is not backed up off the phone"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary='Set android:allowBackup="false", or give dataExtractionRules that exclude '
        "the files holding tokens, keys and credentials.",
        example='<application android:allowBackup="false" ...>',
        references=("nistir8425:DP-1", "en303645:5.4-1"),
    )

    def run(self, target: AndroidApp) -> Iterable[Finding]:
        allow = target.application_flag("allowBackup")
        location = Location(path=f"{target.ref}!AndroidManifest.xml")
        if allow is False:
            yield self.finding(
                Verdict.PASS,
                f"app {target.package} opts out of backup (android:allowBackup=false)",
                location=location,
                evidence={"allowBackup": False},
            )
            return
        rules = {
            name: value
            for name in ("dataExtractionRules", "fullBackupContent")
            if (value := target.application_value(name)) not in (None, "", "true", "false")
        }
        said = "allows backup" if allow else "does not set android:allowBackup, so backup is allowed"
        if rules:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"app {target.package} {said} with rules ({', '.join(rules)}); check that they exclude "
                "tokens, keys and credentials",
                location=location,
                evidence={"allowBackup": allow, "rules": rules},
            )
            return
        yield self.finding(
            Verdict.FAIL,
            f"app {target.package} {said}, without rules: its private files, tokens included, "
            "can be copied off the phone",
            location=location,
            evidence={"allowBackup": allow},
        )

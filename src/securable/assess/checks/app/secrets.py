"""``app.secrets``: the app's package carries no private keys, cloud tokens or literal passwords."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import AppCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.app import AndroidApp


class AppSecretsCheck(AppCheck):
    """Secrets inside the APK: every member (code, resources, assets) through the secret scanner
    the firmware checks use.

    Everything in an app package is public: anyone can download and unzip it. A private key,
    a cloud access token or a password in it is therefore known to everyone, and the same for
    every customer — a universal credential to the backend or the devices. Members left unread
    because the read cap was reached make the result ``inconclusive``, never a silent pass.
    """

    id = "app.secrets"
    title = "No secret embedded in the companion app"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Remove the secret from the app and revoke it; give each installation its own "
        "credential at sign-in or pairing instead.",
        references=("nistir8425:DP-1", "en303645:5.4-3"),
    )

    def run(self, target: AndroidApp) -> Iterable[Finding]:
        for hit in target.secret_hits:
            yield self.finding(
                Verdict.FAIL,
                f"{hit.kind} in {hit.path} of the app package ({hit.preview})",
                location=Location(path=f"{target.ref}!{hit.path}", line=hit.line),
                evidence={"kind": hit.kind, "member": hit.path, "preview": hit.preview},
            )
        if target.unread:
            yield self.finding(
                Verdict.INCONCLUSIVE,
                f"{len(target.unread)} members of {target.package} were not read: the read cap was reached",
                location=Location(path=target.ref),
                evidence={"unread": target.unread[:20]},
            )
        elif not target.secret_hits:
            yield self.finding(
                Verdict.PASS,
                f"no secret in the {len(target.members())} members of {target.package}",
                location=Location(path=target.ref),
                evidence={"members": len(target.members())},
            )

"""``app.trust-anchors``: the app does not trust certificate authorities the phone's user installed."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import AppCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.app import AndroidApp

#: From this API level on, apps trust only the system CAs unless they opt in (Android 7).
USER_CAS_OFF_BY_DEFAULT = 24


class TrustAnchorsCheck(AppCheck):
    """Which certificate authorities the app trusts for its TLS connections, and pinning.

    A certificate authority installed by the phone's user (or by malware, or by a network that
    made the user install its profile) can issue a certificate for the backend's name; an app
    that trusts user CAs in its release configuration lets that party read and change the
    traffic between the app, the backend and the device. Trusting user CAs only under
    ``debug-overrides`` is fine. Apps targeting API levels below 24 trust user CAs unless their
    configuration says otherwise. Pinned domains are reported as evidence.
    """

    id = "app.trust-anchors"
    title = "Companion app trusts only system certificate authorities"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Trust only system CAs in base-config and domain-config; keep user CAs to "
        "debug-overrides, and pin the backend's keys where the app can be updated in time.",
        example='<base-config><trust-anchors><certificates src="system"/></trust-anchors></base-config>',
        references=("nistir8425:DP-3", "en303645:5.5-1"),
    )

    def run(self, target: AndroidApp) -> Iterable[Finding]:
        nsc = target.network_security_config
        location = Location(path=f"{target.ref}!{nsc.source if nsc else 'AndroidManifest.xml'}")
        pinned = [d for rule in (nsc.domains if nsc else ()) if rule.pins for d in rule.domains]
        evidence = {"target_sdk": target.target_sdk, "pinned_domains": pinned}
        base = nsc.base_user_cas if nsc else None
        if base is None:
            base = target.target_sdk < USER_CAS_OFF_BY_DEFAULT
            source = f"the platform default for target API {target.target_sdk}"
        else:
            source = f"{nsc.source if nsc else ''} base-config"
        failed = False
        if base:
            failed = True
            yield self.finding(
                Verdict.FAIL,
                f"app {target.package} trusts user-installed certificate authorities for every host "
                f"({source})",
                location=location,
                evidence={**evidence, "source": source},
            )
        for rule in nsc.domains if nsc else ():
            if rule.user_cas:
                failed = True
                yield self.finding(
                    Verdict.FAIL,
                    f"app {target.package} trusts user-installed certificate authorities for "
                    f"{', '.join(rule.domains)}",
                    location=location,
                    evidence={**evidence, "domains": list(rule.domains)},
                )
        if not failed:
            yield self.finding(
                Verdict.PASS,
                f"app {target.package} trusts only system certificate authorities in its release "
                "configuration"
                + (f"; keys pinned for {', '.join(pinned)}" if pinned else "; no key is pinned"),
                location=location,
                evidence={**evidence, "source": source},
            )

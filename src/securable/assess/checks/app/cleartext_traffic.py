"""``app.cleartext-traffic``: the app refuses unencrypted HTTP and other cleartext connections."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import AppCheck, Remediation
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.app import AndroidApp

#: From this API level on, Android refuses cleartext by default (Android 9).
CLEARTEXT_OFF_BY_DEFAULT = 28


class CleartextTrafficCheck(AppCheck):
    """Whether the app may send data over cleartext (plain HTTP, unencrypted sockets).

    The effective setting is, in order: the network security configuration's ``base-config``,
    then ``android:usesCleartextTraffic`` in the manifest, then the platform default (allowed
    for apps targeting API levels below 28). Domain rules that re-allow cleartext are named
    one by one. An app that talks to the device or the backend in cleartext exposes the
    customer's credentials and data on every network it uses.
    """

    id = "app.cleartext-traffic"
    title = "Companion app uses no cleartext traffic"
    severity = Severity.HIGH
    remediation = Remediation(
        summary='Set cleartextTrafficPermitted="false" in the network security configuration '
        "and use TLS for every connection, also to the device on the local network.",
        example='<base-config cleartextTrafficPermitted="false"/>',
        references=("nistir8425:DP-3", "en303645:5.5-1"),
    )

    def run(self, target: AndroidApp) -> Iterable[Finding]:
        nsc = target.network_security_config
        manifest = target.application_flag("usesCleartextTraffic")
        if nsc is not None and nsc.base_cleartext is not None:
            allowed, source = nsc.base_cleartext, f"{nsc.source} base-config"
        elif manifest is not None:
            allowed, source = manifest, "android:usesCleartextTraffic"
        else:
            allowed = target.target_sdk < CLEARTEXT_OFF_BY_DEFAULT
            source = f"the platform default for target API {target.target_sdk}"
        location = Location(path=f"{target.ref}!{nsc.source if nsc else 'AndroidManifest.xml'}")
        if allowed:
            yield self.finding(
                Verdict.FAIL,
                f"app {target.package} allows cleartext traffic to every host ({source})",
                location=location,
                evidence={"source": source, "target_sdk": target.target_sdk},
            )
        reopened = [rule for rule in (nsc.domains if nsc else ()) if rule.cleartext]
        for rule in reopened:
            yield self.finding(
                Verdict.FAIL,
                f"app {target.package} allows cleartext traffic to {', '.join(rule.domains)}",
                location=location,
                evidence={
                    "domains": list(rule.domains),
                    "source": f"{nsc.source if nsc else ''} domain-config",
                },
            )
        if not allowed and not reopened:
            yield self.finding(
                Verdict.PASS,
                f"app {target.package} refuses cleartext traffic ({source})",
                location=location,
                evidence={"source": source, "target_sdk": target.target_sdk},
            )

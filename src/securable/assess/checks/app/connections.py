"""``app.connections``: every host the app names is a connection the declaration gives the app."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import AppCheck, NotApplicable, Remediation
from securable.assess.model import Finding, Location, Severity, TargetKind, Verdict
from securable.assess.targets.app import AndroidApp
from securable.assess.targets.declaration import Declaration

#: Members whose URLs are documentation (licences, notices, signing data), not connections.
_DOCUMENTATION = ("META-INF/", "license", "licence", "notice", "third_party", "third-party")


def _declared_hosts(declaration: Declaration) -> tuple[list[str], set[str]]:
    """The declared app components and the hosts of the components their connections reach."""
    apps = [c.name for c in declaration.components if c.kind == "app"]
    hosts: set[str] = set()
    for connection in declaration.connections:
        if connection.source not in apps:
            continue
        peer = declaration.component(connection.target)
        if peer is not None:
            hosts.update(host.strip("[]").lower() for host in peer.hosts)
    return apps, hosts


def _covered(host: str, declared: set[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in declared)


class AppConnectionsCheck(AppCheck):
    """The hosts the app's code, resources and assets name in URLs, against the connections the
    declaration gives the app component (``connections:`` from the app to a component with a
    ``base_url`` or ``address``).

    A host the app talks to that the declaration does not name is data leaving the product by a
    path nobody assessed (an analytics service, a forgotten test server, a third-party SDK's
    backend). URLs inside licence and notice files are documentation and are not counted.
    Subdomains of a declared host count as declared. Static reading cannot tell a URL the app
    calls from one it only shows; the finding names the file so a person can tell.
    """

    id = "app.connections"
    title = "Companion app reaches only declared hosts"
    severity = Severity.LOW
    remediation = Remediation(
        summary="Declare each backend the app uses as a component with its base_url and a connection "
        "from the app to it in product.yaml, or remove the code that calls an unintended host.",
        example="connections:\n  - {from: companion app, to: cloud api, protocol: https, port: 443, "
        "protection: tls}",
        references=("nistir8425:IAC-2b",),
    )

    def applies(self, target: AndroidApp) -> NotApplicable | None:
        declaration = self.context.targets.get(TargetKind.DECLARATION) if self.context else None
        if not isinstance(declaration, Declaration):
            return NotApplicable("no product declaration to compare the app's hosts with (give --manifest)")
        apps, _hosts = _declared_hosts(declaration)
        if not apps:
            return NotApplicable(
                "the declaration names no app component, so it declares no connection of the app",
                location=Location(path="product.yaml#components"),
            )
        return None

    def run(self, target: AndroidApp) -> Iterable[Finding]:
        declaration = self.context.targets[TargetKind.DECLARATION] if self.context else None
        assert isinstance(declaration, Declaration)
        _apps, declared = _declared_hosts(declaration)
        named = {
            host: [m for m in members if not any(d in m.lower() or m.startswith(d) for d in _DOCUMENTATION)]
            for host, members in target.hosts.items()
        }
        named = {host: members for host, members in named.items() if members}
        undeclared = sorted(h for h in named if not _covered(h, declared))
        for host in undeclared:
            yield self.finding(
                Verdict.FAIL,
                f"app {target.package} names {host} (in {', '.join(named[host][:3])}), which no declared "
                "connection of the app reaches",
                location=Location(path=f"{target.ref}!{named[host][0]}"),
                evidence={"host": host, "members": named[host][:10], "declared_hosts": sorted(declared)},
            )
        if not undeclared:
            unused = sorted(d for d in declared if not any(_covered(h, {d}) for h in named))
            yield self.finding(
                Verdict.PASS,
                f"the {len(named)} hosts app {target.package} names are all declared connections"
                + (f" (declared but not named in the package: {', '.join(unused)})" if unused else ""),
                location=Location(path=target.ref),
                evidence={"hosts": sorted(named), "declared_hosts": sorted(declared)},
            )

"""Assess the whole product: every component the declaration says how to reach, then one verdict.

NIST IR 8425 speaks of the *IoT product*; several outcomes hold for "each component". So a run
with a declaration plans one assessment per reachable component (:func:`component_targets`):

* a ``device`` or ``hub`` with a firmware file and/or an address gets the firmware and live-host
  checks, and the traffic checks when its connections were watched;
* a ``backend`` with a base URL is handed to the web target through :func:`component_targets`
  (``ComponentPlan.base_url``); until that target is joined here it is ``not_assessed`` with the
  reason saying so;
* an ``app`` is declared only for now (``not_assessed``: no APK checks in this build).

The declaration and its documents are checked once, for the product. Every finding carries the
component it is about (``Finding.component``; product-level findings carry none). Verdicts fold
per component with the usual rule (:mod:`securable.assess.verdict`) and then for the product over
all findings: a ``fail`` on any component fails the product's requirement.

Command-line locations (``--firmware``, ``--host``) override those of the first ``device``
component (or, with no device, the first component).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securable.assess.assessment import Assessment, CheckRun, TargetRef
from securable.assess.engine import EngineOptions, ProgressEvent, run_assessment
from securable.assess.model import Finding, TargetKind, Verdict
from securable.assess.netscan import PortSpec, parse_port_spec
from securable.assess.observe import ObservedTraffic
from securable.assess.targets.components import Component, Connection
from securable.assess.targets.declaration import Declaration
from securable.assess.verdict import crosswalk, fold_requirements
from securable.catalog import Catalog, load_catalog
from securable.errors import UsageError

__all__ = [
    "ComponentPlan",
    "ComponentResult",
    "ConnectionResult",
    "ProductResult",
    "component_targets",
    "run_product",
]

_PRODUCT_KINDS = (TargetKind.DECLARATION, TargetKind.DOCUMENTS)


@dataclass(frozen=True)
class ComponentPlan:
    """How one component will be assessed; ``reason`` says why not when nothing can be."""

    component: Component
    firmware: Path | None = None
    host: str | None = None
    ports: PortSpec | tuple[int, ...] | None = None  # None: the live target's default sweep
    base_url: str | None = None  # a backend's API, for the web target
    traffic: ObservedTraffic | None = None
    reason: str = ""
    app: Path | None = None  # an app's package (APK), read statically
    probe_web: bool = False  # a backend's base URL named on the command line (--backend)

    @property
    def runnable(self) -> bool:
        return (
            self.firmware is not None
            or self.host is not None
            or self.traffic is not None
            or self.app is not None
            or (self.probe_web and self.base_url is not None)
        )


def _primary(components: Sequence[Component]) -> Component:
    return next((c for c in components if c.kind == "device"), components[0])


def component_targets(
    declaration: Declaration,
    *,
    firmware: Path | None = None,
    host: str | None = None,
    ports: PortSpec | tuple[int, ...] | None = None,
    traffic: Mapping[str, ObservedTraffic] | None = None,
    app: Path | None = None,
    backends: Sequence[str] = (),
) -> list[ComponentPlan]:
    """One plan per declared component; CLI locations override the first device's (``app``: the
    first app's package, or an app of its own when the declaration names none).

    A backend's ``base_url`` is contacted only when it is also named in ``backends`` (``--backend``):
    a declaration may name production services the user has no leave to test.
    """
    wanted = {u.rstrip("/") for u in backends}
    primary = _primary(declaration.components)
    first_app = next((c for c in declaration.components if c.kind == "app"), None)
    traffic = traffic or {}
    plans: list[ComponentPlan] = []
    if app is not None and first_app is None:
        plans.append(ComponentPlan(Component(name="companion app", kind="app", package=str(app)), app=app))
    for comp in declaration.components:
        fw = Path(comp.firmware) if comp.firmware else None
        addr = comp.address or None
        comp_ports: PortSpec | tuple[int, ...] | None = parse_port_spec(comp.ports) if comp.ports else None
        if comp is primary:
            fw = firmware if firmware is not None else fw
            addr = host if host is not None else addr
            comp_ports = ports if ports is not None else comp_ports
        seen = traffic.get(comp.name)
        reason = ""
        package = None
        if comp.kind == "app":
            fw = addr = None
            package = (
                app
                if (app is not None and comp is first_app)
                else (Path(comp.package) if comp.package else None)
            )
            if package is None:
                reason = "declared without an app package (give package: in product.yaml, or --app)"
            elif not package.is_file():
                # a declaration names the package it ships; an APK not at hand is not an input
                # error (an explicit --app that is missing is: AndroidApp.open refuses it)
                reason = f"app package '{package}' is not at hand (put it there, or give --app APP.apk)"
                package = None
        elif comp.kind == "backend":
            fw = None
            if comp is not primary and comp_ports is None:
                addr = None  # a backend is probed only on the ports its declaration names
            if comp.base_url and comp.base_url.rstrip("/") not in wanted and addr is None and seen is None:
                reason = (
                    f"its API {comp.base_url} is contacted only when named with --backend "
                    "(securable probes only the backends you name)"
                )
            elif addr is None and seen is None and not comp.base_url:
                if comp.address:
                    reason = f"declared at {comp.address} without ports: to probe"
                else:
                    reason = "declared without a base URL or an address"
        elif fw is None and addr is None and seen is None:
            reason = "declared without a firmware file or an address (give them, or --firmware/--host)"
        if fw is not None and not fw.exists():
            raise UsageError(
                f"component '{comp.name}': firmware '{fw}' does not exist",
                diagnostics="correct its firmware: path in product.yaml (relative to that file) "
                "or pass --firmware",
            )
        probe = comp.kind == "backend" and bool(comp.base_url) and comp.base_url.rstrip("/") in wanted
        plans.append(
            ComponentPlan(
                comp, fw, addr, comp_ports, comp.base_url or None, seen, reason, app=package, probe_web=probe
            )
        )
    return plans


@dataclass(frozen=True)
class ComponentResult:
    """One component: what was assessed and its own verdict per requirement it was touched on."""

    name: str
    kind: str
    assessed: bool
    reason: str
    targets: tuple[str, ...]
    verdicts: Mapping[str, Verdict]  # requirement id -> verdict (only requirements its findings touched)
    findings: int

    def to_json(self) -> dict[str, Any]:
        counts = Counter(v.value for v in self.verdicts.values())
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "assessed": self.assessed,
            "targets": list(self.targets),
            "findings": self.findings,
            "requirements": {k: v.value for k, v in self.verdicts.items()},
            "summary": dict(sorted(counts.items())),
        }
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class ConnectionResult:
    """A declared connection (or an undeclared one that was observed) and what became of it.

    ``status``: ``verified`` (seen, protected as declared), ``violated`` (seen unprotected, or
    undeclared), ``unseen`` (watched, never seen), ``unverified`` (seen, protocol unknown) or
    ``declared`` (its source was not watched).
    """

    source: str
    target: str
    label: str
    status: str
    connection: Connection | None = None
    endpoint: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": self.source,
            "to": self.target,
            "label": self.label,
            "status": self.status,
        }
        if self.connection is not None:
            c = self.connection
            out.update(
                {
                    "protocol": c.protocol,
                    "transport": c.transport,
                    **({"port": c.port} if c.port is not None else {}),
                    **({"protection": c.protection} if c.protection else {}),
                    **({"authentication": c.authentication} if c.authentication else {}),
                    "data": list(c.data),
                }
            )
        else:
            out["declared"] = False
        if self.endpoint:
            out["endpoint"] = self.endpoint
        return out


@dataclass(frozen=True)
class ProductResult:
    """The product view of a run: its components and connections with their outcomes."""

    name: str
    components: tuple[ComponentResult, ...]
    connections: tuple[ConnectionResult, ...]
    declaration: Declaration | None = None  # what the MUD file and the diagram are drawn from

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "components": [c.to_json() for c in self.components],
            "connections": [c.to_json() for c in self.connections],
        }


def _connection_results(
    declaration: Declaration, findings: Sequence[Finding], watched: set[str]
) -> tuple[ConnectionResult, ...]:
    by_label: dict[str, list[Finding]] = {}
    undeclared: list[ConnectionResult] = []
    for f in findings:
        if f.check in ("traffic.connections.protected", "traffic.connections.onboarding"):
            by_label.setdefault(str(f.evidence.get("connection", "")), []).append(f)
        elif f.check == "traffic.connections.undeclared":
            if f.verdict is Verdict.FAIL:
                observed = f.evidence.get("observed") or {}
                endpoint = str(observed.get("endpoint", ""))
                undeclared.append(
                    ConnectionResult(
                        source=f.component or "",
                        target=endpoint,
                        label=f"{f.component} → {endpoint} (undeclared)",
                        status="violated",
                        endpoint=endpoint,
                    )
                )
            elif f.verdict is Verdict.PASS:
                by_label.setdefault(str(f.evidence.get("connection", "")), []).append(f)
    out: list[ConnectionResult] = []
    for c in declaration.connections:
        found = by_label.get(c.label, [])
        verdicts = {f.verdict for f in found}
        # seen: the undeclared-connection check matched an observed connection to this one
        seen = any(f.check == "traffic.connections.undeclared" for f in found)
        if c.source not in watched:
            status = "declared"
        elif Verdict.FAIL in verdicts:
            status = "violated"
        elif not seen:
            status = "unseen"
        elif Verdict.INCONCLUSIVE in verdicts:
            status = "unverified"
        else:
            status = "verified"
        out.append(ConnectionResult(c.source, c.target, c.label, status, c))
    return tuple(out + undeclared)


def _tag(findings: Sequence[Finding], name: str, *, product_level: set[str]) -> list[Finding]:
    return [f if f.check in product_level else dataclasses.replace(f, component=name) for f in findings]


def run_product(
    declaration: Declaration,
    plans: Sequence[ComponentPlan],
    *,
    options: EngineOptions | None = None,
    catalog: Catalog | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    open_host: Callable[[ComponentPlan], Any] | None = None,
    vulndb: Path | None = None,
    product_targets: Mapping[TargetKind, Any] | None = None,
    open_web: Callable[[ComponentPlan], Any] | None = None,
    open_image: Callable[[Path, Path | None], AbstractContextManager[Any]] | None = None,
) -> Assessment:
    """Assess each runnable plan, fold per component and for the product (module docstring).

    ``product_targets`` (the manufacturer's web presence) join the run that also carries the
    declaration; ``open_web`` opens a backend component's HTTP(S) API from its plan.
    """
    from securable.assess.registry import all_checks
    from securable.assess.targets import FirmwareImage

    options = options or EngineOptions()
    catalog = catalog or load_catalog()
    profile = catalog.profile(options.profile)
    checks = all_checks()
    product_checks = {c.id for c in checks if c.target in _PRODUCT_KINDS}
    runnable = [p for p in plans if p.runnable]
    primary = next((p for p in runnable if p.component.kind == "device"), runnable[0] if runnable else None)
    runs: list[tuple[ComponentPlan | None, Assessment]] = []
    with contextlib.ExitStack() as stack:
        if primary is None:
            runs.append(
                (
                    None,
                    run_assessment(
                        {TargetKind.DECLARATION: declaration, **(product_targets or {})},
                        options=options,
                        catalog=catalog,
                        progress=progress,
                    ),
                )
            )
        for plan in runnable:
            targets: dict[TargetKind, Any] = {TargetKind.DECLARATION: declaration}
            if plan.firmware is not None:
                opened = (
                    open_image(plan.firmware, vulndb)
                    if open_image is not None
                    else FirmwareImage.open(plan.firmware, vulndb=vulndb)
                )
                targets[TargetKind.FIRMWARE] = stack.enter_context(opened)
            if plan.host is not None and open_host is not None:
                live = open_host(plan)
                if hasattr(live, "close"):
                    stack.callback(live.close)
                targets[TargetKind.HOST] = live
            if plan.traffic is not None:
                targets[TargetKind.TRAFFIC] = plan.traffic
            if plan.app is not None:
                from securable.assess.targets.app import AndroidApp

                targets[TargetKind.APP] = AndroidApp.open(plan.app)
            if plan.probe_web and plan.base_url is not None and open_web is not None:
                site = open_web(plan)
                stack.callback(site.close)
                targets[TargetKind.WEB] = site
            if plan is primary:
                for kind, extra in (product_targets or {}).items():
                    # a backend that is also the first component shares its run with the presence
                    joined = kind in targets and hasattr(targets[kind], "with_sites")
                    targets[kind] = targets[kind].with_sites(extra.sites) if joined else extra
            selected = [c for c in checks if plan is primary or c.target not in _PRODUCT_KINDS]
            runs.append(
                (plan, run_assessment(targets, selected, options=options, catalog=catalog, progress=progress))
            )
    findings: list[Finding] = []
    target_refs: list[TargetRef] = []
    check_runs: list[CheckRun] = []
    per_component: dict[str, list[Finding]] = {}
    for owner, result in runs:
        name = owner.component.name if owner is not None else ""
        tagged = _tag(result.findings, name, product_level=product_checks) if owner else list(result.findings)
        findings.extend(tagged)
        if owner is not None:
            per_component[name] = [f for f in tagged if f.component == name]
        for ref in result.targets:
            if ref.kind in _PRODUCT_KINDS and any(t.kind is ref.kind for t in target_refs):
                continue
            target_refs.append(
                ref
                if ref.kind in _PRODUCT_KINDS or owner is None
                else dataclasses.replace(ref, component=name)
            )
        known = {r.id for r in check_runs}
        check_runs.extend(r for r in result.checks if r.id not in known)  # one entry per check
    requirements = fold_requirements(findings, catalog, profile.item_ids)
    components = []
    for plan in plans:
        own = per_component.get(plan.component.name, [])
        folded = fold_requirements(own, catalog, profile.item_ids) if own else []
        components.append(
            ComponentResult(
                name=plan.component.name,
                kind=plan.component.kind,
                assessed=plan.runnable,
                reason=plan.reason if not plan.runnable else "",
                targets=tuple(t.ref for t in target_refs if t.component == plan.component.name),
                verdicts={r.id: r.verdict for r in folded if r.verdict is not Verdict.NOT_ASSESSED},
                findings=len(own),
            )
        )
    watched = {p.component.name for p in plans if p.traffic is not None}
    product = ProductResult(
        name=declaration.product_name,
        components=tuple(components),
        connections=_connection_results(declaration, findings, watched),
        declaration=declaration,
    )
    first = runs[0][1]
    return dataclasses.replace(
        first,
        finished=runs[-1][1].finished,
        targets=tuple(target_refs),
        findings=tuple(findings),
        requirements=tuple(requirements),
        crosswalk=tuple(crosswalk(requirements, catalog)),
        checks=tuple(check_runs),
        product=product,
    )

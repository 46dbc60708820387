"""``securable assess``: assess a firmware image, a live host and/or a declaration against a profile.

Exit codes (the CLI contract): 0 when the run finished and no requirement failed; 1 when a
requirement failed (unless ``--fail-on never``); 2 for bad input or usage, with one line naming
the input and the fix. Progress goes to stderr (a rich progress bar on a terminal, plain lines
otherwise); the written report files and the summary go to stdout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

import typer

from securable._cli.firmware_open import open_firmware
from securable._cli.outdir import check_output_folder
from securable._cli.output import print_json, print_table
from securable._cli.summary import failure_lines, progress_line
from securable._cli.terminal_bar import terminal_bar
from securable.assess import netscan
from securable.assess.engine import DEFAULT_TIMEOUT, EngineOptions, ProgressEvent, run_assessment
from securable.assess.model import TargetKind
from securable.assess.registry import all_checks
from securable.assess.reports import FORMATS, write_reports
from securable.assess.targets import Declaration, FirmwareImage, load_live_host_class
from securable.catalog import DEFAULT_PROFILE, load_catalog
from securable.errors import UsageError, VulnDBError

ALL_FORMATS = ",".join(FORMATS)


def parse_ports(text: str) -> tuple[int, ...]:
    """The TCP ports of a ``--ports`` list (see :func:`securable.assess.netscan.parse_port_spec`)."""
    return netscan.parse_port_spec(text).tcp


def _host_folder(host: str) -> str:
    """A folder name for one host's reports: the address or name, ``:`` and ``%`` replaced."""
    return "host-" + "".join(c if c.isalnum() or c in ".-" else "_" for c in host.strip("[]"))


def parse_formats(text: str) -> list[str]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise UsageError(
            f"--format: unknown format '{', '.join(unknown) or text}'",
            diagnostics=f"choose from {ALL_FORMATS} (comma-separated)",
        )
    return list(dict.fromkeys(names))


def _list_checks(as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {"id": c.id, "target": c.target.value, "title": c.title, "requirements": list(c.evidences)}
                for c in all_checks()
            ]
        )
        return
    print_table(
        f"securable checks ({len(all_checks())})",
        ["id", "target", "title", "requirements"],
        [[c.id, c.target.value, c.title, ", ".join(c.evidences)] for c in all_checks()],
    )


@contextlib.contextmanager
def _progress_reporter() -> Any:
    """A callback for engine progress: a rich bar on a terminal, plain lines otherwise."""
    with terminal_bar("assess") as update:
        if update is not None:

            def on_event(event: ProgressEvent) -> None:
                update(total=event.total, completed=event.done, description=event.check)

            yield on_event
            return

        def plain(event: ProgressEvent) -> None:
            sys.stderr.write(progress_line(event) + "\n")
            sys.stderr.flush()

        yield plain


def _live_host_class() -> Any:
    live_host = load_live_host_class()
    if live_host is None:
        raise UsageError(
            "--host: live-host assessment is not available in this installation",
            diagnostics="assess the firmware and the declaration only (drop --host)",
        )
    return live_host


def _assess_product(
    declaration: Declaration,
    firmware: Path | None,
    host: str | None,
    ports: Any,
    options: EngineOptions,
    catalog: Any,
    vulndb: Path | None,
    watching: tuple[float | None, int | None, str | None],
    app: Path | None = None,
    web: Any = None,
    web_limits: Any = None,
    backends: tuple[str, ...] = (),
    live_bounds: dict[str, Any] | None = None,
) -> Any:
    """Every component the declaration (and the flags) say how to reach, then one product verdict."""
    from securable.assess.product import component_targets, run_product
    from securable.assess.targets.host import declared_interfaces_from

    plans = component_targets(
        declaration, firmware=firmware, host=host, ports=ports, app=app, backends=backends
    )
    primary = next((p for p in plans if p.component.kind == "device"), plans[0])
    seconds, pid, netns = watching
    if seconds is not None:
        from securable.assess.observe import ConnectionWatch

        if pid is None and primary.host is None:
            raise UsageError(
                "--watch: no process and no address to attribute connections to",
                diagnostics="add --watch-pid PID, or --host ADDR (or an address on the device component)",
            )
        sys.stderr.write(f"watching {primary.component.name}'s connections for {seconds:g} s\n")
        try:
            watcher = ConnectionWatch(
                component=primary.component.name,
                pid=pid,
                addresses=() if primary.host is None or pid is not None else (primary.host,),
                netns=netns,
            ).start()
        except OSError as exc:
            raise UsageError(f"--watch: {exc}", diagnostics="check --watch-netns / --watch-pid") from None
        time.sleep(seconds)
        traffic = {primary.component.name: watcher.stop()}
        plans = component_targets(
            declaration,
            firmware=firmware,
            host=host,
            ports=ports,
            traffic=traffic,
            app=app,
            backends=backends,
        )
        primary = next((p for p in plans if p.component.kind == "device"), plans[0])
    declared = declared_interfaces_from(declaration)

    bounds = live_bounds or {}

    def open_host(plan: Any) -> Any:
        if plan.component is primary.component:
            return _live_host_class()(plan.host, plan.ports, declared_interfaces=declared, **bounds)
        return _live_host_class()(plan.host, plan.ports, **bounds)

    for plan in plans:
        if not plan.runnable:
            sys.stderr.write(f"component {plan.component.name}: not assessed ({plan.reason})\n")
    with _progress_reporter() as on_event:
        return run_product(
            declaration,
            plans,
            options=options,
            catalog=catalog,
            progress=on_event,
            open_host=open_host,
            vulndb=vulndb,
            open_image=open_firmware,
            product_targets={TargetKind.WEB: web} if web is not None else None,
            open_web=lambda plan: _backend_web(declaration, plan, web_limits),
        )


def _web_limits(ca: Path | None, key: Path | None) -> Any:
    from securable.assess.targets.web import WebLimits

    for flag, path in (("--web-ca", ca), ("--openpgp-key", key)):
        if path is not None and not path.is_file():
            raise UsageError(
                f"{flag}: '{path}' is not a file", diagnostics=f"give the path of a file to {flag}"
            )
    return WebLimits(ca_file=ca, openpgp_key=key)


def _web_sites(presence: list[str], backends: list[str], limits: Any) -> list[Any]:
    """The sites given on the command line (a URL given to both flags gets both roles)."""
    from securable.assess.targets.web import BACKEND, PRESENCE, WebSite, check_base_url

    sites = [WebSite(check_base_url(u, "--web"), roles=(PRESENCE,), limits=limits) for u in presence]
    sites += [WebSite(check_base_url(u, "--backend"), roles=(BACKEND,), limits=limits) for u in backends]
    return sites


def _web_target(declaration: Declaration | None, sites: list[Any], limits: Any) -> Any:
    """The web target: the declaration's ``web:`` sites plus the command line's, or None."""
    from securable.assess.targets.web import Web
    from securable.assess.targets.web.site import merge_sites

    if declaration is not None:
        return Web.from_declaration(declaration, limits, extra=sites)
    return Web(merge_sites(sites)) if sites else None


def _backend_web(declaration: Declaration, plan: Any, limits: Any) -> Any:
    """The web target of a backend component: its base URL with the backend role (the API paths
    that must ask for authentication from the declaration's ``web.backends`` entry of that URL)."""
    from securable.assess.targets.web import BACKEND, Web

    paths: tuple[str, ...] = ()
    for entry in declaration.section("web").get("backends") or ():
        if isinstance(entry, dict) and entry.get("url") == plan.base_url:
            paths = tuple(str(p) for p in entry.get("auth_paths") or ())
    return Web.from_url(plan.base_url, limits, roles=(BACKEND,), auth_paths=paths)


def assess(
    firmware: Path | None = typer.Option(
        None,
        "--firmware",
        help="Firmware: any firmware file or an unpacked root folder. Tar archives (.tar, .tar.gz, .tar.xz, "
        ".tar.bz2) and squashfs open "
        "directly; vendor blobs (uImage, TRX and other containers, UBI/UBIFS, JFFS2, ext2/3/4, cpio, "
        "squashfs at an offset, zip/7z/gzip/xz/lzma/lz4/zstd, archives in archives) open through unblob "
        "and need its extractors (installed by scripts/bootstrap); big-endian or vendor-patched squashfs "
        "needs sasquatch and encrypted images their key: such chunks are reported, not opened. Every "
        "root filesystem found is assessed; if none is found the firmware requirements are inconclusive.",
    ),
    hosts: list[str] | None = typer.Option(
        None,
        "--host",
        metavar="ADDR",
        help="A live device to probe: IPv4 or IPv6 address or host name. Repeatable: each host gets "
        "its own report set in OUT/<host>/.",
    ),
    ports: str | None = typer.Option(
        None,
        "--ports",
        help="Ports to probe on --host: numbers and ranges, 'tcp:' or 'udp:' switching the protocol "
        "for what follows, bare numbers TCP, e.g. tcp:1-65535,udp:161,1900,5353,5683. "
        f"Default: every TCP port and UDP {','.join(map(str, netscan.DEFAULT_UDP_PORTS))}.",
    ),
    no_login_attempts: bool = typer.Option(
        False,
        "--no-login-attempts",
        help="Make no active step that could lock an account or change the device. Otherwise "
        "these run, each within --attempt-budget per service: default-credential logins on SSH, "
        "telnet, MQTT and HTTP; SNMP community and SNMPv3 user guesses; CoAP write-back probes "
        "(PUT of the value just read, guarded by an If-Match the resource cannot have).",
    ),
    attempt_budget: int = typer.Option(
        10, "--attempt-budget", help="At most this many login attempts per service.", min=1
    ),
    concurrency: int = typer.Option(
        netscan.DEFAULT_HOST_LIMIT,
        "--concurrency",
        help="Connections (and UDP probes) in flight to the device at once.",
        min=1,
    ),
    max_rate: float = typer.Option(
        netscan.DEFAULT_RATE,
        "--max-rate",
        help="Connection attempts started per second (lower it for a fragile device, e.g. 200).",
    ),
    manifest: Path | None = typer.Option(None, "--manifest", help="The product declaration (product.yaml)."),
    app: Path | None = typer.Option(
        None, "--app", help="The companion app's Android package (.apk), read statically."
    ),
    vulndb: Path | None = typer.Option(
        None, "--vulndb", help="Folder of OSV records and/or NVD CVE JSON 2.0 files (offline)."
    ),
    profile: str = typer.Option(DEFAULT_PROFILE, "--profile", help="Profile to assess against."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder to write the reports into (created if missing). Required, except with --list-checks.",
    ),
    formats: str = typer.Option(
        ALL_FORMATS, "--format", help=f"Report formats, comma-separated: {ALL_FORMATS}."
    ),
    fail_on: str = typer.Option(
        "fail", "--fail-on", help="'fail': exit 1 when a requirement fails; 'never': exit 0 anyway."
    ),
    timeout: float = typer.Option(DEFAULT_TIMEOUT, "--timeout", help="Seconds each check may take."),
    decisions: Path | None = typer.Option(None, "--decisions", help="Reviewer decisions (decisions.yaml)."),
    baseline: Path | None = typer.Option(None, "--baseline", help="An earlier report.json to compare with."),
    bundle: Path | None = typer.Option(
        None, "--bundle", help="Write a signed evidence bundle (.tar file or folder); needs --sign-key."
    ),
    sign_key: Path | None = typer.Option(
        None, "--sign-key", help="PEM Ed25519 or P-256 private key that signs --bundle."
    ),
    bundle_documents: bool = typer.Option(
        False, "--bundle-documents", help="Copy the declaration's local documents into the bundle."
    ),
    watch: float | None = typer.Option(
        None,
        "--watch",
        help="Watch the device's outbound connections for this many seconds and compare them with "
        "the declared connections (needs --manifest, and --watch-pid or the device's address).",
    ),
    watch_pid: int | None = typer.Option(None, "--watch-pid", help="With --watch: the device's process."),
    watch_netns: str | None = typer.Option(
        None, "--watch-netns", help="With --watch: the device's network namespace (name or path)."
    ),
    fetch_docs: bool = typer.Option(
        False, "--fetch-docs", help="Fetch documentation entries that are URLs (size and time limits apply)."
    ),
    web: list[str] | None = typer.Option(
        None, "--web", help="The manufacturer's web presence (base URL): security.txt, CSAF, advisories."
    ),
    backend: list[str] | None = typer.Option(
        None, "--backend", help="An HTTP(S) backend of the product (base URL): TLS, headers, auth, CORS."
    ),
    web_ca: Path | None = typer.Option(
        None, "--web-ca", help="PEM CA certificates to trust besides the system's, for --web/--backend."
    ),
    openpgp_key: Path | None = typer.Option(
        None, "--openpgp-key", help="The manufacturer's OpenPGP public key: verifies a signed security.txt."
    ),
    list_checks: bool = typer.Option(False, "--list-checks", help="List every check and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --list-checks: machine-readable output."),
) -> None:
    """Assess a firmware image, a live host and/or a declaration; write reports; exit 1 on a failure.

    A live host is probed from this machine: a TCP connect sweep, UDP probes, service
    identification, TLS and SSH handshakes, HTTP requests, and the login attempts and write-back
    probes that --no-login-attempts switches off. Assess only devices you are allowed to test.
    """
    given = dict(locals())  # every option as given: one run per host passes them on
    host_list = list(dict.fromkeys(hosts or []))
    if max_rate <= 0:
        raise UsageError(
            f"--max-rate: {max_rate} is not positive", diagnostics="give attempts per second, e.g. 500"
        )
    if len(host_list) > 1 and (bundle is not None or baseline is not None):
        raise UsageError(
            "--bundle and --baseline take one --host",
            diagnostics="assess one device per run when bundling evidence or comparing with a baseline",
        )
    if len(host_list) > 1:
        if out is None:
            raise UsageError(
                "--out is missing", diagnostics="name a folder for the reports, e.g. --out reports/"
            )
        out_dir = out
        worst = 0
        for one in host_list:
            sub = out_dir / _host_folder(one)
            sys.stdout.write(f"host {one}: reports in {sub}\n")
            try:
                assess(
                    **{
                        **given,
                        "hosts": [one],
                        "out": sub,
                        "baseline": None,
                        "bundle": None,
                        "sign_key": None,
                        "bundle_documents": False,
                        "list_checks": False,
                        "as_json": False,
                    }
                )
            except SystemExit as exc:
                worst = max(worst, int(exc.code or 0))
        if worst:
            raise SystemExit(worst)
        return
    host = host_list[0] if host_list else None
    if list_checks:
        _list_checks(as_json)
        return
    if fail_on not in ("fail", "regression", "never"):
        raise UsageError(
            f"--fail-on: '{fail_on}' is not 'fail', 'regression' or 'never'",
            diagnostics="use --fail-on fail|regression|never",
        )
    if fail_on == "regression" and baseline is None:
        raise UsageError(
            "--fail-on regression needs --baseline", diagnostics="add --baseline OLD/report.json"
        )
    if bundle is not None and sign_key is None:
        raise UsageError("--bundle needs --sign-key", diagnostics="add --sign-key KEY.pem (Ed25519 or P-256)")
    if out is None:
        raise UsageError("--out is missing", diagnostics="name a folder for the reports, e.g. --out reports/")
    check_output_folder(out, "--out")
    if firmware is None and host is None and manifest is None and app is None and not web and not backend:
        raise UsageError(
            "nothing to assess",
            diagnostics="give --firmware PATH, --host ADDR, --app APP.apk, --web URL and/or --manifest "
            "product.yaml",
        )
    web_limits = _web_limits(web_ca, openpgp_key)
    extra_sites = _web_sites(web or [], backend or [], web_limits)
    if fetch_docs and manifest is None:
        raise UsageError("--fetch-docs needs --manifest", diagnostics="add --manifest product.yaml")
    if ports is not None and host is None:
        raise UsageError("--ports needs --host", diagnostics="add --host ADDR or drop --ports")
    if timeout <= 0:
        raise UsageError(
            f"--timeout: {timeout} is not positive", diagnostics="give seconds, e.g. --timeout 120"
        )
    if vulndb is not None and not vulndb.is_dir():
        raise VulnDBError(
            f"--vulndb: '{vulndb}' is not a folder",
            diagnostics="give a folder of OSV JSON records and/or NVD CVE JSON 2.0 files",
        )
    if watch is not None and (manifest is None or watch <= 0):
        raise UsageError(
            "--watch needs --manifest and a positive number of seconds",
            diagnostics="e.g. --manifest product.yaml --watch 30 --watch-pid PID",
        )
    if manifest is None and formats == ALL_FORMATS:
        formats = ",".join(n for n in FORMATS if n != "mud")  # a MUD file describes declared connections
    report_formats = parse_formats(formats)
    if "mud" in report_formats and manifest is None:
        raise UsageError("--format mud needs --manifest", diagnostics="add --manifest product.yaml")
    port_spec = netscan.parse_port_spec(ports) if ports is not None else None
    catalog = load_catalog()
    catalog.profile(profile)  # unknown profile: exit 2 before any slow work
    from securable.assess.bundle import collect_firmware, signer_from_pem, write_bundle
    from securable.assess.decisions import apply_decisions, load_decisions, summary_lines
    from securable.assess.diff import baseline_from_report, diff_reports, load_report

    live_bounds: dict[str, Any] = {
        "attempt_budget": attempt_budget,
        "login_attempts": not no_login_attempts,
        "concurrency": concurrency,
        "rate": max_rate,
    }
    loaded = load_decisions(decisions) if decisions is not None else None
    base_report = load_report(baseline) if baseline is not None else None
    signer = signer_from_pem(sign_key) if bundle is not None and sign_key is not None else None
    firmware_evidence = None

    declaration = Declaration.load(manifest) if manifest is not None else None
    options = EngineOptions(profile=profile, timeout=timeout, vulndb=vulndb, fetch_docs=fetch_docs)
    if declaration is not None:
        declared = {c.base_url.rstrip("/") for c in declaration.components if c.base_url}
        named_backends = tuple(u for u in backend or () if u.rstrip("/") in declared)
        extra_sites = _web_sites(
            web or [], [u for u in backend or () if u.rstrip("/") not in declared], web_limits
        )
        web_target = _web_target(declaration, extra_sites, web_limits)
        try:
            assessment = _assess_product(
                declaration,
                firmware,
                host,
                port_spec,
                options,
                catalog,
                vulndb,
                (watch, watch_pid, watch_netns),
                app,
                web_target,
                web_limits,
                named_backends,
                live_bounds,
            )
        finally:
            if web_target is not None:
                web_target.close()
        if bundle is not None and firmware is not None:
            with FirmwareImage.open(firmware, vulndb=vulndb) as image:
                firmware_evidence = collect_firmware(image, firmware)
    else:
        with contextlib.ExitStack() as stack:
            targets: dict[TargetKind, Any] = {}
            if host is not None:
                target = _live_host_class()(host, port_spec, **live_bounds)
                if hasattr(target, "close"):
                    stack.callback(target.close)
                targets[TargetKind.HOST] = target
            if firmware is not None:
                targets[TargetKind.FIRMWARE] = stack.enter_context(open_firmware(firmware, vulndb))
                if bundle is not None:  # the bundle's file digests come from the assessment's byte pass
                    from securable.assess.facts.digests import FILE_DIGESTS
                    from securable.assess.facts.firmware import FirmwareView

                    targets[TargetKind.FIRMWARE] = FirmwareView(targets[TargetKind.FIRMWARE], (FILE_DIGESTS,))
            if app is not None:
                from securable.assess.targets.app import AndroidApp

                targets[TargetKind.APP] = AndroidApp.open(app)
            web_target = _web_target(None, extra_sites, web_limits)
            if web_target is not None:
                stack.callback(web_target.close)
                targets[TargetKind.WEB] = web_target
            with _progress_reporter() as on_event:
                assessment = run_assessment(targets, options=options, catalog=catalog, progress=on_event)
            if bundle is not None and firmware is not None:
                firmware_evidence = collect_firmware(targets[TargetKind.FIRMWARE], firmware)
    if loaded is not None:
        assessment = apply_decisions(assessment, loaded, catalog=catalog)
        for line in summary_lines(assessment):
            sys.stderr.write(line + "\n")
    if base_report is not None:
        assessment = dataclasses.replace(
            assessment, baseline=baseline_from_report(base_report, str(baseline))
        )
    try:
        written = write_reports(assessment, out, report_formats)
    except OSError as exc:  # checked before the run, but a disk can fill up or be unmounted since
        raise UsageError(
            f"--out: cannot write the reports into '{out}': {exc.strerror or exc}",
            diagnostics="free space or choose another folder, and run again",
        ) from exc
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    if bundle is not None and signer is not None:
        write_bundle(
            bundle,
            assessment,
            signer,
            reports={p.name: p.read_bytes() for p in written},
            declaration=manifest,
            documentation=declaration.documentation if declaration is not None else None,
            decisions=loaded,
            firmware=firmware_evidence,
            include_documents=bundle_documents,
        )
        sys.stdout.write(f"wrote signed evidence bundle {bundle}\n")
    broken = [c.id for c in assessment.checks if c.status != "ok"]
    if broken:
        sys.stderr.write(
            f"securable: warning: {len(broken)} check(s) crashed or timed out ({', '.join(broken)}); "
            "their requirements are 'error' in the report\n"
        )
    counts = ", ".join(f"{k} {v}" for k, v in assessment.summary.items() if v)
    sys.stdout.write(f"{assessment.profile}: {counts} ({len(assessment.requirements)} requirements)\n")
    for line in failure_lines(assessment):
        sys.stdout.write(line + "\n")
    if fail_on == "regression" and base_report is not None:
        change = diff_reports(base_report, assessment.to_json(), old_ref=str(baseline), new_ref="this run")
        for line in change.regressions:
            sys.stderr.write(f"regression: {line}\n")
        if change.regression:
            raise SystemExit(1)
    elif assessment.failed and fail_on == "fail":
        raise SystemExit(1)

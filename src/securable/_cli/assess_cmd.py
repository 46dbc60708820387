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
from pathlib import Path
from typing import Any

import typer

from securable._cli.outdir import check_output_folder
from securable._cli.output import print_json, print_table
from securable._cli.summary import failure_lines, progress_line
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
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if console.is_terminal:
        with Progress(
            TextColumn("[bold]assess"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=None)

            def on_event(event: ProgressEvent) -> None:
                bar.update(task, total=event.total, completed=event.done, description=event.check)

            yield on_event
        return

    def plain(event: ProgressEvent) -> None:
        sys.stderr.write(progress_line(event) + "\n")
        sys.stderr.flush()

    yield plain


def assess(
    firmware: Path | None = typer.Option(
        None,
        "--firmware",
        help="Firmware image: a root folder, a tar archive (.tar, .tar.gz, .tar.xz, .tar.bz2) or squashfs.",
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
    vulndb: Path | None = typer.Option(
        None, "--vulndb", help="Folder of OSV vulnerability records (offline)."
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
    list_checks: bool = typer.Option(False, "--list-checks", help="List every check and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --list-checks: machine-readable output."),
) -> None:
    """Assess a firmware image, a live host and/or a declaration; write reports; exit 1 on a failure.

    A live host is probed from this machine: a TCP connect sweep, UDP probes, service
    identification, TLS and SSH handshakes, HTTP requests, and the login attempts and write-back
    probes that --no-login-attempts switches off. Assess only devices you are allowed to test.
    """
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
                    firmware=firmware,
                    hosts=[one],
                    ports=ports,
                    no_login_attempts=no_login_attempts,
                    attempt_budget=attempt_budget,
                    concurrency=concurrency,
                    max_rate=max_rate,
                    manifest=manifest,
                    vulndb=vulndb,
                    profile=profile,
                    out=sub,
                    formats=formats,
                    fail_on=fail_on,
                    timeout=timeout,
                    decisions=decisions,
                    baseline=None,
                    bundle=None,
                    sign_key=None,
                    bundle_documents=False,
                    list_checks=False,
                    as_json=False,
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
    if firmware is None and host is None and manifest is None:
        raise UsageError(
            "nothing to assess",
            diagnostics="give --firmware PATH, --host ADDR and/or --manifest product.yaml",
        )
    if ports is not None and host is None:
        raise UsageError("--ports needs --host", diagnostics="add --host ADDR or drop --ports")
    if timeout <= 0:
        raise UsageError(
            f"--timeout: {timeout} is not positive", diagnostics="give seconds, e.g. --timeout 120"
        )
    if vulndb is not None and not vulndb.is_dir():
        raise VulnDBError(
            f"--vulndb: '{vulndb}' is not a folder",
            diagnostics="give a folder of OSV JSON records (one per file)",
        )
    report_formats = parse_formats(formats)
    port_spec = netscan.parse_port_spec(ports) if ports is not None else None
    catalog = load_catalog()
    catalog.profile(profile)  # unknown profile: exit 2 before any slow work
    from securable.assess.bundle import collect_firmware, signer_from_pem, write_bundle
    from securable.assess.decisions import apply_decisions, load_decisions, summary_lines
    from securable.assess.diff import baseline_from_report, diff_reports, load_report

    loaded = load_decisions(decisions) if decisions is not None else None
    base_report = load_report(baseline) if baseline is not None else None
    signer = signer_from_pem(sign_key) if bundle is not None and sign_key is not None else None
    firmware_evidence = None

    with contextlib.ExitStack() as stack:
        targets: dict[TargetKind, Any] = {}
        declaration = Declaration.load(manifest) if manifest is not None else None
        if declaration is not None:
            targets[TargetKind.DECLARATION] = declaration
        if host is not None:
            live_host = load_live_host_class()
            if live_host is None:
                raise UsageError(
                    "--host: live-host assessment is not available in this installation",
                    diagnostics="assess the firmware and the declaration only (drop --host)",
                )
            declared = None
            if declaration is not None:
                from securable.assess.targets.host import declared_interfaces_from

                declared = declared_interfaces_from(declaration)
            target = live_host(
                host,
                port_spec,
                declared_interfaces=declared,
                attempt_budget=attempt_budget,
                login_attempts=not no_login_attempts,
                concurrency=concurrency,
                rate=max_rate,
            )
            if hasattr(target, "close"):
                stack.callback(target.close)
            targets[TargetKind.HOST] = target
        if firmware is not None:
            targets[TargetKind.FIRMWARE] = stack.enter_context(FirmwareImage.open(firmware, vulndb=vulndb))
        options = EngineOptions(profile=profile, timeout=timeout, vulndb=vulndb)
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

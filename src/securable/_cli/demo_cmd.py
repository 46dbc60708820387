"""``securable demo``: the whole toolkit on one machine (see :mod:`securable.demo.run`)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from securable._cli.output import print_table
from securable.catalog import DEFAULT_PROFILE
from securable.demo.run import comparison_rows, run_demo


def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Folder for images, reports and labels."),
    profile: str = typer.Option(DEFAULT_PROFILE, "--profile", help="Profile to assess against."),
    network: str = typer.Option(
        "auto",
        "--network",
        help="Where the devices run: 'lan' (a virtual LAN of network namespaces, needs root), "
        "'loopback', or 'auto' (the LAN where possible).",
    ),
) -> None:
    """Build, start and assess the demo thermostat's secure and legacy builds side by side."""

    def echo(line: str) -> None:
        sys.stderr.write(f"securable demo: {line}\n")
        sys.stderr.flush()

    result = run_demo(out, profile=profile, echo=echo, network=network)
    print_table(
        f"{profile}: secure build vs legacy build",
        ["requirement", "title", "secure", "legacy"],
        comparison_rows(result),
    )
    for name, build in result.builds.items():
        counts = ", ".join(f"{k} {v}" for k, v in build.assessment.summary.items() if v)
        typer.echo(f"{name:7} {build.address}: {counts}")
        typer.echo(f"        report: {build.reports[1] if len(build.reports) > 1 else build.reports[0]}")
    if result.telemetry_messages is not None:
        typer.echo(
            f"telemetry: {result.telemetry_messages} status messages from the secure unit over mutual TLS"
        )
    state = result.secure_state
    update = state.get("update", {})
    typer.echo(
        f"secure unit, read by its owner over TLS: state {state.get('state')}, security log "
        f"{state.get('log', {}).get('size')} records (verified: {state.get('log', {}).get('verified')}), "
        f"update {update.get('state')} {update.get('version', '')}".rstrip()
    )
    typer.echo(f"label of the secure unit: {result.label['qr']}")
    typer.echo(f"devices ran on {result.network}")
    typer.echo(f"done in {result.seconds:.1f} s; all reports under {result.out}")

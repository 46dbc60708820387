"""``securable device``: tools for device operators and labs (security log, identity).

``log verify`` checks a security log folder copied off a device: every record, link and
checkpoint, and with ``--pubkey`` every checkpoint signature. Exit codes: 0 verified, 1 tampered
(the first bad record index is printed), 2 unreadable input.
"""

from __future__ import annotations

from pathlib import Path

import typer

from securable._cli.device_identity_cmd import app as identity_app
from securable._cli.output import print_json
from securable.device.seclog import verify_log
from securable.errors import UsageError

app = typer.Typer(help="Device operator and lab tools: security log, identity.", no_args_is_help=True)
log_app = typer.Typer(help="The tamper-evident security log.", no_args_is_help=True)
app.add_typer(log_app, name="log")
app.add_typer(identity_app, name="identity")


@log_app.command("verify")
def log_verify(
    path: Path = typer.Argument(..., help="The security log folder (segment-*.jsonl, checkpoints.jsonl)."),
    pubkey: Path | None = typer.Option(
        None, "--pubkey", help="PEM public key of the device; checkpoint signatures must verify."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Verify the log; exit 0 verified, 1 tampered (first bad index named), 2 unreadable."""
    key: bytes | None = None
    if pubkey is not None:
        try:
            key = pubkey.read_bytes()
        except OSError as exc:
            raise UsageError(
                f"cannot read --pubkey {pubkey}: {exc.strerror}",
                diagnostics="pass the device's PEM public key file",
            ) from exc
    result = verify_log(path, key)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "size": result.size,
                "first_bad_index": result.first_bad_index,
                "reason": result.reason,
                "signed": result.signed,
                "unsealed": result.unsealed,
                "torn_tail": result.torn_tail,
                "checkpoint_size": result.checkpoint.size if result.checkpoint else None,
            }
        )
    elif result.ok:
        sealed = result.size - result.unsealed
        signed = "signed" if result.signed else "unsigned (no --pubkey)"
        typer.echo(f"VERIFIED: {result.size} records, {sealed} sealed by {signed} checkpoints")
    else:
        typer.echo(f"TAMPERED at record {result.first_bad_index}: {result.reason}")
    if not result.ok:
        raise SystemExit(1)

"""``securable device identity``: show a device's identity and verify a certificate chain or proof.

For operators and labs: ``show`` reads the identity folder a device was provisioned with (only
the certificates; no key access needed) and prints serial number, model, logical identifier,
issuer and the QR label payload, optionally writing the label QR code. ``verify`` checks a
device certificate chain (and optionally a signed proof) against a manufacturer root with
pyca/cryptography's X.509 verifier. Exit codes: 0 verified, 1 refused, 2 unreadable input.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from cryptography import x509

from securable._cli.output import print_json, print_table
from securable.device.identity import (
    IdentityProof,
    IdentityVerifier,
    PhysicalLabel,
    describe_chain,
    load_certificates,
)
from securable.errors import IdentityError, UsageError

app = typer.Typer(help="Device identity (IDevID/LDevID): show and verify.", no_args_is_help=True)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read {what} {path}: {exc.strerror}",
            diagnostics=f"pass the path of an existing, readable {what}",
        ) from exc


def _chain(path: Path) -> list[x509.Certificate]:
    """A chain from a PEM file, or from an identity folder's ``idevid.pem``."""
    if path.is_dir():
        path = path / "idevid.pem"
    certs = load_certificates(_read(path, "certificate file"))
    if not certs:
        raise UsageError(f"no certificate in {path}", diagnostics="pass a PEM file with the device chain")
    return certs


@app.command("show")
def show(
    identity_dir: Path = typer.Argument(..., help="The device's identity folder (holds idevid.pem)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    qr: Path | None = typer.Option(None, "--qr", help="Also write the label QR code (.png or .svg)."),
) -> None:
    """Print the device's serial number, model, logical identifier and label."""
    chain = _chain(identity_dir)
    ldevid_path = identity_dir / "ldevid.pem" if identity_dir.is_dir() else None
    ldevid = load_certificates(ldevid_path.read_bytes()) if ldevid_path and ldevid_path.exists() else None
    info = describe_chain(chain, ldevid)
    if qr is not None:
        PhysicalLabel(info["serial_number"], info["model"], info["logical_id"]).save_qr(qr)
        info["qr"] = str(qr)
    if as_json:
        print_json(info)
    else:
        print_table("device identity", ["field", "value"], [(k, str(v)) for k, v in info.items()])


@app.command("verify")
def verify(
    chain_file: Path = typer.Argument(..., help="Device chain PEM (leaf first) or an identity folder."),
    root: list[Path] = typer.Option(..., "--root", help="Trusted root certificate PEM (repeatable)."),
    proof: Path | None = typer.Option(
        None, "--proof", help="A proof JSON ({chain, signature}) to check as well; needs --challenge."
    ),
    challenge: str | None = typer.Option(None, "--challenge", help="The challenge (hex) the proof answers."),
    at: str | None = typer.Option(None, "--at", help="Verify as of this ISO 8601 time (default: now)."),
) -> None:
    """Verify the chain against the root(s); exit 0 verified, 1 refused, 2 unreadable."""
    roots = [cert for path in root for cert in load_certificates(_read(path, "root certificate"))]
    when = dt.datetime.now(dt.UTC)
    if at is not None:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError as exc:
            raise UsageError(
                f"--at {at!r} is not an ISO 8601 time", diagnostics="e.g. 2030-01-01T00:00:00+00:00"
            ) from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
    verifier = IdentityVerifier(roots, now=lambda: when)
    try:
        if proof is not None:
            if challenge is None:
                raise UsageError(
                    "--proof needs --challenge", diagnostics="pass the challenge the device signed, in hex"
                )
            try:
                nonce = bytes.fromhex(challenge)
                data = json.loads(_read(proof, "proof file"))
            except ValueError as exc:
                raise UsageError(
                    f"unreadable proof or challenge: {exc}",
                    diagnostics="the proof is JSON written by the device; the challenge is hex",
                ) from exc
            result = verifier.verify_offline(IdentityProof.from_json(data), nonce)
        else:
            result = verifier.verify_chain(_chain(chain_file))
    except IdentityError as exc:
        if exc.exit_code == 2:
            raise
        typer.echo(f"REFUSED: {exc}")
        raise SystemExit(1) from exc
    typer.echo(f"VERIFIED: serial {result.serial_number}, model {result.model}, {result.logical_id}")

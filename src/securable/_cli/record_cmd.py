"""``securable diff`` and ``securable verify-bundle``: release-to-release comparison and bundle checks.

Plain typer functions; the logic is in :mod:`securable.assess.diff` and :mod:`securable.assess.bundle`.
Exit codes: ``diff`` 0, or 1 with ``--fail-on regression`` when something got worse; ``verify-bundle``
0 when the bundle verifies, 1 when it is refused (with what is wrong); 2 for bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from securable._cli.output import print_json
from securable.errors import UsageError


def diff(
    old: Path = typer.Argument(..., help="The earlier report.json."),
    new: Path = typer.Argument(..., help="The later report.json."),
    fail_on: str = typer.Option(
        "never", "--fail-on", help="'regression': exit 1 when something got worse; 'never'."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Compare two reports: verdict changes, findings new and gone, components, new vulnerabilities."""
    from securable.assess.diff import diff_files

    if fail_on not in ("regression", "never"):
        raise UsageError(
            f"--fail-on: '{fail_on}' is not 'regression' or 'never'",
            diagnostics="use --fail-on regression|never",
        )
    result = diff_files(old, new)
    if as_json:
        print_json(result.to_json())
    else:
        sys.stdout.write("\n".join(result.lines()) + "\n")
    if fail_on == "regression" and result.regression:
        raise SystemExit(1)


def verify_bundle(
    path: Path = typer.Argument(..., help="The evidence bundle: a .tar file or a folder."),
    key: Path | None = typer.Option(
        None, "--key", help="The signer's public key (PEM) to pin; default: the key inside the bundle."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the verified in-toto statement."),
) -> None:
    """Check a bundle's signature, hashes and completeness; print what was assessed and the result."""
    from securable.assess.bundle import verify_bundle as verify

    if key is not None and not key.is_file():
        raise UsageError(f"--key: '{key}' is not a file", diagnostics="give the signer's public key in PEM")
    info = verify(path, trusted_key=key)
    if as_json:
        print_json({"keyid": info.keyid, "pinned": info.pinned, "statement": info.statement})
    else:
        sys.stdout.write("\n".join(info.lines()) + "\n")

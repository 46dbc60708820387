"""``securable update``: build, sign, publish and serve a TUF firmware-release repository.

The repository folder holds keys and staged metadata; only its ``public/`` sub-folder is
uploaded to a web server or object store (or served on loopback with ``serve``). Root keys go
to ``--root-key-dir`` (removable media) and may be encrypted with the passphrase in the
environment variable ``SECURABLE_UPDATE_ROOT_PASSPHRASE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from securable._cli.output import print_json, print_table
from securable.device.manufacturer import ReleaseRepository, RepositoryServer
from securable.errors import UsageError

app = typer.Typer(help="Manufacturer tooling for secure software updates (TUF).", no_args_is_help=True)

PASSPHRASE_ENV = "SECURABLE_UPDATE_ROOT_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)
RootKeyDir = typer.Option(
    None, "--root-key-dir", help="Folder of the offline root keys (default: REPO/keys/root)."
)


def _passphrase() -> bytes | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode() if value else None


def _open(repo: Path, root_key_dir: Path | None) -> ReleaseRepository:
    return ReleaseRepository.open(repo, root_key_dir=root_key_dir, passphrase=_passphrase())


def _expiry(values: list[str]) -> dict[str, int]:
    roles = ("root", "targets", "bins", "snapshot", "timestamp")
    out: dict[str, int] = {}
    for value in values:
        role, _, days = value.partition("=")
        if role not in roles or not days.isdigit() or int(days) < 1:
            raise UsageError(
                f"--expiry {value!r} is not ROLE=DAYS",
                diagnostics=f"use one of {', '.join(roles)} and whole days >= 1, e.g. timestamp=1",
            )
        out[role] = int(days)
    return out


@app.command("init")
def init(
    repo: Path = typer.Argument(..., help="Folder to create the repository in."),
    root_keys: int = typer.Option(1, "--root-keys", min=1, help="Number of root keys."),
    root_threshold: int = typer.Option(1, "--root-threshold", min=1, help="Root signatures required."),
    key_type: str = typer.Option("ed25519", "--key-type", help="ed25519 or ecdsa (P-256)."),
    root_key_dir: Path | None = RootKeyDir,
    hash_bin_threshold: int = typer.Option(
        1000, "--hash-bin-threshold", min=1, help="Targets before hash bins."
    ),
    expiry: list[str] = typer.Option([], "--expiry", help="ROLE=DAYS, e.g. timestamp=1 (repeatable)."),
) -> None:
    """Create keys, a signed root (offline threshold) and empty targets/snapshot/timestamp."""
    created = ReleaseRepository.create(
        repo,
        root_keys=root_keys,
        root_threshold=root_threshold,
        key_type=key_type,
        root_key_dir=root_key_dir,
        passphrase=_passphrase(),
        hash_bin_threshold=hash_bin_threshold,
        expiry_days=_expiry(expiry),
    )
    typer.echo(f"created {created.path}; ship {created.metadata_dir / '1.root.json'} in the device image")


@app.command("add-release")
def add_release(
    repo: Path = typer.Argument(..., help="Repository folder."),
    image: Path = typer.Argument(..., help="Firmware image file."),
    version: str = typer.Option(..., "--version", help="Release version, e.g. 2.1.0."),
    security_version: int = typer.Option(..., "--security-version", min=0, help="Anti-rollback counter."),
    hardware_id: list[str] = typer.Option(..., "--hardware-id", help="Compatible board (repeatable)."),
    name: str | None = typer.Option(None, "--name", help="Target file name (default: the image's name)."),
    allow_lower: bool = typer.Option(False, "--allow-lower", help="Allow a lower security version."),
    publish: bool = typer.Option(True, "--publish/--no-publish", help="Sign and publish right away."),
) -> None:
    """Add an image with its version, security version and hardware ids; point channels at it."""
    repository = _open(repo, None)
    release = repository.add_release(
        image,
        version=version,
        security_version=security_version,
        hardware_ids=hardware_id,
        name=name,
        allow_lower_security_version=allow_lower,
    )
    if publish:
        repository.publish()
    state = "published" if publish else "staged (run `securable update publish`)"
    typer.echo(f"{release.target_path} {state}")


@app.command("publish")
def publish(repo: Path = typer.Argument(..., help="Repository folder.")) -> None:
    """Sign staged changes (targets, bins, snapshot, timestamp) and write them to public/."""
    version = _open(repo, None).publish()
    typer.echo(f"published snapshot version {version}")


@app.command("sign")
def sign(repo: Path = typer.Argument(..., help="Repository folder.")) -> None:
    """Re-sign the timestamp (and snapshot when close to expiry): run this on a schedule."""
    version = _open(repo, None).refresh_timestamp()
    typer.echo(f"timestamp re-signed (version {version})")


@app.command("rotate-key")
def rotate_key(
    repo: Path = typer.Argument(..., help="Repository folder."),
    role: str = typer.Argument(..., help="root, targets, snapshot, timestamp or bins."),
    root_key_dir: Path | None = RootKeyDir,
) -> None:
    """Replace a role's keys; the new root is signed by old and new root keys."""
    version = _open(repo, root_key_dir).rotate_key(role)
    typer.echo(f"rotated {role} keys; root is now version {version}")


@app.command("list")
def list_releases(
    repo: Path = typer.Argument(..., help="Repository folder."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List the releases in the repository."""
    releases = _open(repo, None).releases()
    rows = [[r.target_path, r.version, str(r.security_version), ",".join(r.hardware_ids)] for r in releases]
    if as_json:
        print_json(
            [
                dict(zip(("target", "version", "security_version", "hardware_ids"), row, strict=True))
                for row in rows
            ]
        )
        return
    print_table("releases", ["target", "version", "security version", "hardware ids"], rows)


@app.command("serve")
def serve(
    directory: Path = typer.Argument(..., help="A repository folder or its public/ folder."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="TCP port (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to bind (127.0.0.1 or ::1)."),
) -> None:
    """Serve the published repository on loopback (with HTTP Range) for demos and tests."""
    public = directory / "public" if (directory / "public").is_dir() else directory
    server = RepositoryServer(public, host=host, port=port)
    typer.echo(
        f"serving {public} at {server.url} (metadata: {server.url}/metadata/, targets: {server.url}/targets/)"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

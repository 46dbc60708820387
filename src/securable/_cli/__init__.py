"""The ``securable`` command: a thin typer app. Logic lives in the library halves.

Each sub-command group lives in its own module and is registered here explicitly.
"""

from __future__ import annotations

import sys

import typer

from securable import __version__
from securable._cli.assess_cmd import assess
from securable._cli.catalog_cmd import app as catalog_app
from securable._cli.demo_cmd import demo
from securable._cli.device_cmd import app as device_app
from securable._cli.portal_cmd import app as portal_app
from securable._cli.update_cmd import app as update_app
from securable.errors import SecurableError

app = typer.Typer(
    name="securable",
    help="Build, prove and run securable IoT devices (NIST IR 8259A/B, NIST IR 8425, EN 303 645, CRA).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_app, name="catalog")
app.add_typer(portal_app, name="portal")
app.command("assess")(assess)
app.command("demo")(demo)
app.add_typer(update_app, name="update")
app.add_typer(device_app, name="device")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"securable {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """securable: build, prove and run securable IoT devices."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and turn a SecurableError into one line and an exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except SecurableError as exc:
        print(f"securable: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("securable: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise

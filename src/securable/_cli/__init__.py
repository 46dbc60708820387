"""The ``securable`` command: a thin typer app. Logic lives in the library halves.

Each sub-command group lives in its own module, registered here by name in :data:`COMMANDS` and
imported only when it runs (see :mod:`securable._cli.lazy`), so ``securable --version`` and
``securable catalog list`` do not load the assessment engine, the portal or the TUF tooling.
"""

from __future__ import annotations

import sys
from typing import ClassVar

import typer

from securable import __version__
from securable._cli.lazy import Lazy, LazyGroup
from securable._cli.usage import click_exceptions, usage_message
from securable.errors import SecurableError

#: The sub-commands, in the order ``--help`` lists them.
COMMANDS: dict[str, Lazy] = {
    "assess": Lazy("securable._cli.assess_cmd", "assess"),
    "catalog": Lazy("securable._cli.catalog_cmd", "app"),
    "demo": Lazy("securable._cli.demo_cmd", "demo"),
    "diff": Lazy("securable._cli.record_cmd", "diff"),
    "verify-bundle": Lazy("securable._cli.record_cmd", "verify_bundle"),
    "device": Lazy("securable._cli.device_cmd", "app"),
    "portal": Lazy("securable._cli.portal_cmd", "app"),
    "update": Lazy("securable._cli.update_cmd", "app"),
}


class _Root(LazyGroup):
    lazy_commands: ClassVar[dict[str, Lazy]] = COMMANDS


app = typer.Typer(
    name="securable",
    cls=_Root,
    help="Build, prove and run securable IoT devices (NIST IR 8259A/B, NIST IR 8425, EN 303 645, CRA).",
    no_args_is_help=False,  # a bare `securable` is a one-line usage error (see _cli.usage)
    rich_markup_mode=None,  # click's plain help: no `<bool>` beside every flag (see _cli.lazy)
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"securable {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """securable: build, prove and run securable IoT devices."""


def _fail(message: str, exit_code: int) -> None:
    print(f"securable: error: {message}", file=sys.stderr)
    sys.exit(exit_code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one line and an exit code for every error a user can cause.

    A :class:`SecurableError` exits with its own code (2 for bad input); a click usage error —
    unknown command or option, missing argument, a bare group — exits 2 (see
    :mod:`securable._cli.usage`); Ctrl-C exits 130.
    """
    try:
        result = app(args=argv, prog_name="securable", standalone_mode=False)
    except SecurableError as exc:
        _fail(str(exc), exc.exit_code)
    except click_exceptions.UsageError as exc:
        _fail(usage_message(exc), 2)
    except click_exceptions.ClickException as exc:
        _fail(" ".join(exc.format_message().split()), exc.exit_code)
    except typer.Abort:
        _fail("aborted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(result if isinstance(result, int) else 0)

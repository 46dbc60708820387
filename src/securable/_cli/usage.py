"""Command-line usage errors as one line and exit code 2 (the CLI contract), never a traceback.

typer ≥ 0.2x runs on a copy of click bundled as ``typer._click``; older typer runs on the
``click`` package. Usage errors are instances of whichever click typer runs on, so an
``isinstance`` test against the other one never matches — the cause of tracebacks with exit 1
for a mistyped command. :data:`click` and :data:`click_exceptions` are always the ones typer
uses.
"""

from __future__ import annotations

from typing import Any

try:
    from typer import _click as click
    from typer._click import exceptions as click_exceptions
except ImportError:  # typer < 0.2x depends on the click package itself
    import click  # type: ignore[no-redef]
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

__all__ = ["click", "click_exceptions", "usage_message"]


def _command_path(ctx: Any) -> str:
    path = getattr(ctx, "command_path", "") if ctx is not None else ""
    return str(path) or "securable"


def usage_message(exc: Any) -> str:
    """One line for a click usage error: what was wrong, and where to look for the right usage.

    A bare group (``securable``, ``securable catalog``) also names the commands to choose from,
    instead of dumping its help page into a CI log.
    """
    ctx = getattr(exc, "ctx", None)
    path = _command_path(ctx)
    message = " ".join(str(exc.format_message()).split())
    command = getattr(ctx, "command", None)
    bare_group = type(exc).__name__ == "NoArgsIsHelpError" or message.lower() == "missing command."
    if bare_group and command is not None and hasattr(command, "list_commands"):
        names = ", ".join(command.list_commands(ctx))
        return f"'{path}' needs a command: one of {names} — see '{path} --help'"
    return f"{message} — see '{path} --help'"

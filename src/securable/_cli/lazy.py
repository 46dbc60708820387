"""Sub-commands that are imported only when they run, so ``securable --version`` starts fast.

Each sub-command module imports its library half (the assessment engine, the portal, the TUF
tooling …) at the top, as ordinary code should. Registering those modules eagerly made every
start of the CLI pay for all of them. :class:`LazyGroup` knows its sub-commands by name and
module and imports a module only when click asks for that command: to run it, to print its
help, or to list the commands in ``--help``. Unknown names and typo suggestions need only the
names, so they import nothing.

Loading a sub-command also sets two things in its whole tree, so that every module gets them
without repeating them: a group called without a command is a usage error like any other (one
line, exit 2 — see :mod:`securable._cli.usage`) instead of typer's ``no_args_is_help``, which
prints the help page on stdout and then fails; and help is click's plain layout, which names an
option's value (``--out <path>``) but not a flag's, where typer's rich panels print ``<bool>``
beside every flag.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup

from securable._cli.usage import click


@dataclass(frozen=True)
class Lazy:
    """Where a sub-command lives: ``module.attribute`` is a :class:`typer.Typer` or a function."""

    module: str
    attribute: str

    def load(self, name: str) -> click.Command:
        target = getattr(importlib.import_module(self.module), self.attribute)
        if not isinstance(target, typer.Typer):
            single = typer.Typer(add_completion=False)
            single.command(name)(target)
            target = single
        command = typer.main.get_command(target)
        command.name = name
        _house_style(command)
        return command


def _house_style(command: click.Command) -> None:
    """Plain help, and a bare group is a usage error (see the module docstring)."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None
    if isinstance(command, TyperGroup):
        command.no_args_is_help = False
        for sub in command.commands.values():
            _house_style(sub)


class _LazyCommands(MutableMapping[str, click.Command]):
    """A group's command table whose values are imported on first access; names cost nothing."""

    def __init__(self, loaded: Mapping[str, click.Command], lazy: Mapping[str, Lazy]) -> None:
        self._loaded = dict(loaded)
        self._lazy = dict(lazy)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._lazy:
                raise KeyError(name)
            self._loaded[name] = self._lazy[name].load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._lazy.pop(name, None)
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._lazy
        yield from (name for name in self._loaded if name not in self._lazy)

    def __len__(self) -> int:
        return len(set(self._lazy) | set(self._loaded))


class LazyGroup(TyperGroup):
    """A typer group whose sub-commands, listed in :attr:`lazy_commands`, import on demand.

    Subclass it with the table and pass the subclass as ``typer.Typer(cls=...)``.
    """

    lazy_commands: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(self.commands, self.lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

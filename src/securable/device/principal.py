"""Who is acting on a device, and what each kind of actor may do.

A :class:`Principal` is the result of authentication (the access module makes them); the
permission table here is the single place that maps roles to actions, so a reviewer reads one
table to learn the device's authorization policy (NIST IR 8425 IAC-2, EN 303 645 5.5). The table
is deny-by-default: an action missing from a role's set is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = ["PERMISSIONS", "Action", "Principal", "Role", "can"]


class Role(StrEnum):
    """Roles a device knows. ``manufacturer_support`` is a remote, read-mostly role."""

    OWNER = "owner"
    USER = "user"
    SERVICE = "service"
    MANUFACTURER_SUPPORT = "manufacturer_support"


class Action(StrEnum):
    """Security-relevant operations that need an authorization decision."""

    CONFIG_CHANGE = "config.change"
    CONFIG_READ = "config.read"
    RESET = "reset"
    UPDATE_INSTALL = "update.install"
    UPDATE_CONFIGURE = "update.configure"
    LOG_READ = "log.read"
    LOG_EXPORT = "log.export"
    DATA_ERASE = "data.erase"
    USER_MANAGE = "user.manage"


@dataclass(frozen=True)
class Principal:
    """An authenticated actor: ``source`` says where it came from (an address, ``console``…)."""

    name: str
    role: Role
    source: str | None = None

    def __str__(self) -> str:
        return f"{self.name}({self.role.value})"


# Owners may do everything; a service account (e.g. the update agent) installs updates and
# writes logs but cannot change the owner's choices; support staff may read for diagnosis only.
PERMISSIONS: MappingProxyType[Role, frozenset[Action]] = MappingProxyType(
    {
        Role.OWNER: frozenset(Action),
        Role.USER: frozenset({Action.CONFIG_READ}),
        Role.SERVICE: frozenset({Action.UPDATE_INSTALL, Action.CONFIG_READ, Action.LOG_EXPORT}),
        Role.MANUFACTURER_SUPPORT: frozenset({Action.LOG_READ, Action.CONFIG_READ}),
    }
)


def can(principal: Principal | None, action: Action | str) -> bool:
    """True when ``principal``'s role permits ``action``; unknown actions and ``None`` are refused."""
    if principal is None:
        return False
    try:
        wanted = Action(action)
    except ValueError:
        return False
    return wanted in PERMISSIONS.get(Role(principal.role), frozenset())

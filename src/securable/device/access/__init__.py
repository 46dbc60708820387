"""Logical access to the device's interfaces: accounts, passwords, logins, sessions, throttling.

See :class:`AccessController` for the whole flow; the submodules are its parts.
"""

from __future__ import annotations

from securable.device.access.accounts import Account, AccountStore
from securable.device.access.controller import AccessController, LoginThrottledError, SecurityLogLike
from securable.device.access.passwords import (
    DEFAULT_HASHER_PARAMETERS,
    PasswordPolicy,
    PasswordRejectedError,
    common_passwords,
    generate_initial_credential,
    new_password_hasher,
)
from securable.device.access.sessions import Session
from securable.device.access.throttle import Throttle, ThrottlePolicy

__all__ = [
    "DEFAULT_HASHER_PARAMETERS",
    "AccessController",
    "Account",
    "AccountStore",
    "LoginThrottledError",
    "PasswordPolicy",
    "PasswordRejectedError",
    "SecurityLogLike",
    "Session",
    "Throttle",
    "ThrottlePolicy",
    "common_passwords",
    "generate_initial_credential",
    "new_password_hasher",
]

"""``AccessController``: the one place a device decides who someone is and what they may do.

It ties together the account file (argon2id hashes), the password policy, login throttling and
sessions, and writes every authentication success and failure to the security log (NIST IR 8425
IAC-1/IAC-2, 8259A LA-1..LA-3; EN 303 645 5.1). There is no built-in account and no default
password: a device is provisioned with a unique label credential or its owner sets one at
first use, and until then nobody can log in.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from securable.device.access.accounts import Account, AccountStore
from securable.device.access.passwords import PasswordPolicy, generate_initial_credential, new_password_hasher
from securable.device.access.sessions import Session, SessionTable
from securable.device.access.throttle import Throttle, ThrottlePolicy
from securable.device.principal import Action, Principal, Role, can
from securable.errors import AccessDeniedError, UsageError

__all__ = ["AccessController", "LoginThrottledError", "SecurityLogLike"]


class SecurityLogLike(Protocol):
    """What the controller needs of ``securable.device.seclog.SecurityLog``."""

    def record(self, event: str, outcome: str, /, **details: Any) -> Any: ...


class LoginThrottledError(AccessDeniedError):
    """Too many failed logins from this source (or against this account): retry later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            "login refused: too many failed attempts",
            diagnostics=f"wait {retry_after:.0f} s, or log in from the device's own console",
        )
        self.retry_after = retry_after


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AccessController:
    """Accounts, logins, sessions and permission checks for one device.

    ``store_path`` is the account file; ``log`` the security log (every success and failure goes
    there); ``clock`` returns the current aware ``datetime`` (inject one in tests);
    ``policy`` the password policy; ``throttle`` the brute-force thresholds; ``hasher`` the
    argon2id hasher (a hash made with other parameters is upgraded at the next good login).
    """

    def __init__(
        self,
        store_path: Path | str,
        log: SecurityLogLike | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
        policy: PasswordPolicy | None = None,
        throttle: ThrottlePolicy | None = None,
        hasher: PasswordHasher | None = None,
        session_ttl: timedelta = timedelta(hours=1),
        serial: str = "",
    ) -> None:
        self._store = AccountStore(Path(store_path))
        self._log = log
        self._clock = clock
        self.policy = policy or PasswordPolicy()
        self.throttle = Throttle(throttle)
        self.hasher = hasher or new_password_hasher()
        self.serial = serial
        self._sessions = SessionTable(session_ttl)
        self._lock = threading.RLock()
        self._dummy_hash: str | None = None

    # --- provisioning ---------------------------------------------------------------------------

    @property
    def needs_first_use_setup(self) -> bool:
        """True until an owner account exists: the device must ask its owner to set a password."""
        return not any(a.role == Role.OWNER.value for a in self._store.load().values())

    def set_initial_credential(self, username: str = "owner", password: str | None = None) -> str:
        """Create the owner account, once. Returns the password to print on the label.

        With no ``password`` a unique random one is generated (provisioning); with one, it must
        pass the policy (the owner chose it at first use). Refused once an owner exists.
        """
        with self._lock:
            accounts = self._store.load()
            if any(a.role == Role.OWNER.value for a in accounts.values()):
                raise AccessDeniedError(
                    "the device already has an owner",
                    diagnostics="log in as the owner and use set_password, or factory-reset the device",
                )
            self._check_username(username)
            label = password is None
            secret = generate_initial_credential() if password is None else password
            if not label:
                self.policy.check(secret, username=username, serial=self.serial)
            accounts[username] = Account(username, Role.OWNER.value, self.hasher.hash(secret), label)
            self._store.save(accounts)
        self._record("account.created", "success", username=username, role=Role.OWNER.value, label=label)
        return secret

    @staticmethod
    def _check_username(username: str) -> None:
        if not (1 <= len(username) <= 64) or not username.isprintable() or username != username.strip():
            raise UsageError(
                f"invalid username {username!r}",
                diagnostics="use 1-64 printable characters without leading or trailing spaces",
            )

    def add_account(self, principal: Principal, username: str, password: str, role: Role) -> None:
        """The owner adds an account (user, service, manufacturer support) with its own password."""
        self.require(principal, Action.USER_MANAGE)
        if role is Role.OWNER:
            raise UsageError("a device has one owner", diagnostics="add the account with another role")
        with self._lock:
            accounts = self._store.load()
            self._check_username(username)
            if username in accounts:
                raise UsageError(f"account {username!r} exists", diagnostics="choose another username")
            self.policy.check(password, username=username, serial=self.serial)
            accounts[username] = Account(username, role.value, self.hasher.hash(password))
            self._store.save(accounts)
        self._record("account.created", "success", principal=principal, username=username, role=role.value)

    def remove_account(self, principal: Principal, username: str) -> None:
        self.require(principal, Action.USER_MANAGE)
        with self._lock:
            accounts = self._store.load()
            account = accounts.get(username)
            if account is None or account.role == Role.OWNER.value:
                raise UsageError(
                    f"no removable account {username!r}", diagnostics="name an existing non-owner account"
                )
            del accounts[username]
            self._store.save(accounts)
            self._sessions.revoke_user(username)
        self._record("account.removed", "success", principal=principal, username=username)

    def set_password(
        self, principal: Principal, username: str, new_password: str, *, current_password: str | None = None
    ) -> None:
        """Change a password. The owner may change any account's; others only their own, with the
        current password. All sessions of that account end."""
        with self._lock:
            accounts = self._store.load()
            account = accounts.get(username)
            if account is None:
                raise UsageError(f"no account {username!r}", diagnostics="name an existing account")
            own = principal.name == username
            if not own:
                self.require(principal, Action.USER_MANAGE)
            if own and principal.role is not Role.OWNER and not self._verify(account, current_password or ""):
                self._record(
                    "access.denied",
                    "failure",
                    principal=principal,
                    action="set_password",
                    reason="bad current password",
                )
                raise AccessDeniedError(
                    "the current password is wrong", diagnostics="give the current password"
                )
            self.policy.check(new_password, username=username, serial=self.serial)
            accounts[username] = Account(username, account.role, self.hasher.hash(new_password), False)
            self._store.save(accounts)
            self._sessions.revoke_user(username)
        self._record("account.password_changed", "success", principal=principal, username=username)

    # --- login and sessions ---------------------------------------------------------------------

    def _verify(self, account: Account | None, password: str) -> bool:
        if account is None:
            # Spend the same work for unknown users, so timing does not reveal which names exist.
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash(generate_initial_credential())
            with contextlib.suppress(VerificationError, InvalidHashError):
                self.hasher.verify(self._dummy_hash, password)
            return False
        try:
            return bool(self.hasher.verify(account.password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def authenticate(
        self, username: str, password: str, source: str, *, now: datetime | None = None
    ) -> Session:
        """Check a password and open a session, or raise ``AccessDeniedError`` (opaque on purpose).

        ``source`` identifies where the attempt comes from (remote address, ``"console"``); the
        brute-force throttle counts failures per source, so one attacker cannot block the owner.
        """
        now = now or self._clock()
        with self._lock:
            wait = self.throttle.retry_after(username, source, now)
            if wait <= 0:
                # Charge the attempt as a failure *before* the slow hash check, so parallel
                # attempts from one source cannot all slip past the throttle; a success refunds it.
                self.throttle.failure(username, source, now)
        if wait > 0:
            self._record(
                "auth.failure",
                "failure",
                username=username,
                source=source,
                reason="throttled",
                retry_after=round(wait, 3),
            )
            raise LoginThrottledError(wait)
        account = self._store.load().get(username)
        if not self._verify(account, password) or account is None:
            self._record(
                "auth.failure", "failure", username=username, source=source, reason="bad credentials"
            )
            raise AccessDeniedError("login failed", diagnostics="check the username and password")
        with self._lock:
            self.throttle.success(username, source, now)
            if self.hasher.check_needs_rehash(account.password_hash):
                self._rehash(account, password)
            session = self._sessions.issue(account.username, account.role, source, now)
        principal = Principal(account.username, Role(account.role), source)
        self._record(
            "auth.success",
            "success",
            principal=principal,
            username=username,
            source=source,
            label_credential=account.label_credential,
        )
        return session

    def _rehash(self, account: Account, password: str) -> None:
        accounts = self._store.load()
        if username_still := accounts.get(account.username):
            accounts[account.username] = Account(
                account.username,
                username_still.role,
                self.hasher.hash(password),
                username_still.label_credential,
            )
            self._store.save(accounts)
            self._record("account.rehashed", "success", username=account.username)

    def validate(self, token: str, *, now: datetime | None = None) -> Principal:
        """The principal behind a live session token; ``AccessDeniedError`` when unknown or expired."""
        now = now or self._clock()
        with self._lock:
            entry = self._sessions.lookup(token, now)
        if entry is None:
            raise AccessDeniedError("session is unknown or expired", diagnostics="log in again")
        return Principal(entry.username, Role(entry.role), entry.source)

    def authorize(self, token: str, action: Action | str, *, now: datetime | None = None) -> Principal:
        """Validate ``token`` and check that its role may perform ``action``; denials are logged."""
        principal = self.validate(token, now=now)
        self.require(principal, action)
        return principal

    def require(self, principal: Principal, action: Action | str) -> None:
        """Raise ``AccessDeniedError`` (and log it) unless ``principal``'s role permits ``action``."""
        if not can(principal, action):
            self._record("access.denied", "failure", principal=principal, action=str(action))
            raise AccessDeniedError(
                f"role {principal.role.value} may not {action}",
                diagnostics="log in with an account whose role allows it",
            )

    def revoke(self, token: str) -> bool:
        with self._lock:
            revoked = self._sessions.revoke(token)
        if revoked:
            self._record("auth.logout", "success")
        return revoked

    def remove_all_local_credentials(self) -> None:
        """Factory-reset hook: forget every account, session and throttle state."""
        with self._lock:
            self._store.remove()
            self._sessions.clear()
            self.throttle.clear()
        self._record("account.all_removed", "success")

    def register_with(self, config_store: Any) -> None:
        """Make a factory reset of ``config_store`` (:class:`securable.device.config.ConfigStore`)
        remove every local credential, so the next owner starts from the label or first-use setup."""
        config_store.on_reset(self.remove_all_local_credentials, "access")

    # --- helpers --------------------------------------------------------------------------------

    def _record(self, event: str, outcome: str, **details: Any) -> None:
        if self._log is not None:
            self._log.record(event, outcome, **details)

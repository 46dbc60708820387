"""Device configuration: typed settings with secure defaults, authorized changes, factory reset.

* **Secure by default** (EN 303 645 5.1/5.6, NIST IR 8425 DP/CSA): every security setting
  starts *on* — automatic updates, login and TLS on the API, the security log, brute-force
  lockout — and every optional exposure (remote support, debug interfaces) starts *off*.
* **Typed and validated** with pydantic: an unknown setting or a bad value is refused with a
  ``ConfigError`` naming the setting, and the configuration in force does not change.
* **Authorized and logged**: ``change`` needs a principal whose role permits
  ``config.change``; every change and every refusal goes to the security log, with the
  settings that *weaken* security called out.
* **Atomic and versioned**: each change bumps ``revision`` and replaces the file with
  write-temp + fsync + rename + directory fsync, so a crash leaves the old or the new file.
* **Bound to the security log**: every authorized write logs the SHA-256 of the exact file
  it is about to write (``config.change`` with ``stage: prepare``) and again once written. At
  load the file must be the last authorized one (or one prepared since, which a power cut can
  leave); a file edited, rolled back or deleted behind the API is *tampered*: a
  ``config.tamper`` event is logged, the secure defaults are put in force instead of the file,
  and the device's security state reports it until the owner authorizes a configuration again.
* **Factory reset** restores the defaults (the uninitialized state) after running the erase
  hooks products register — crypto-erase user data, remove accounts, remove LDevIDs — and it
  never touches the IDevID or the security log, so the reset itself stays on record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from securable.device._atomic import atomic_write, fsync_directory
from securable.device.principal import Action, Principal, can
from securable.errors import AccessDeniedError, ConfigError, SecurableError

__all__ = ["ConfigStore", "DeviceSettings", "ResetReport", "authorized_config"]

FORMAT = "securable-config/v1"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _security(default: Any, description: str, **kw: Any) -> Any:
    """A field whose ``True`` value is the secure one (turning it off is logged as weakening)."""
    return Field(default, description=description, json_schema_extra={"security": True}, **kw)


class DeviceSettings(BaseModel):
    """The settings every device has; products subclass this to add their own."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    updates_enabled: bool = _security(True, "check for and download software updates")
    updates_automatic: bool = _security(True, "install security updates without waiting for the owner")
    update_check_interval_hours: int = Field(24, ge=1, le=168, description="hours between update checks")
    api_login_required: bool = _security(True, "the local API refuses requests without a session")
    api_tls_required: bool = _security(True, "the local API only listens with TLS")
    telemetry_tls_required: bool = _security(True, "telemetry is only sent over verified TLS")
    telemetry_enabled: bool = Field(False, description="send usage telemetry to the manufacturer (opt-in)")
    security_log_enabled: bool = _security(True, "record security events in the tamper-evident log")
    lockout_threshold: int = Field(5, ge=1, le=20, description="failed logins before a source is locked out")
    lockout_seconds: int = Field(300, ge=30, le=86_400, description="initial lockout period")
    session_timeout_minutes: int = Field(60, ge=1, le=1440, description="idle session lifetime")
    remote_support_enabled: bool = Field(False, description="allow manufacturer support sessions")
    debug_interfaces_enabled: bool = Field(False, description="serial console / debug services")
    device_name: str = Field("", max_length=64, description="the owner's name for the device")


class _Log(Protocol):
    def record(self, event: str, outcome: str, /, **details: Any) -> Any: ...


@dataclass(frozen=True)
class AuthorizedConfig:
    """What the security log authorizes as the configuration file.

    ``digests`` are the SHA-256 values of files the API wrote or was about to write since the
    last completed change (``None`` stands for "no file", after a factory reset); ``revision``
    is the last completed change's. ``legacy`` is set when the last change was logged before
    digests were: then only the revision can be compared.
    """

    digests: frozenset[str | None]
    revision: int
    legacy: bool = False

    def admits(self, digest: str | None, revision: int | None) -> bool:
        if self.legacy:
            return revision == self.revision
        return digest in self.digests


_CONFIG_EVENTS = (b'"event":"config.change"', b'"event":"reset"')


def authorized_config(lines: Iterable[bytes]) -> AuthorizedConfig:
    """Replay the security log's configuration events (exact record lines, oldest first)."""
    state = AuthorizedConfig(frozenset({None}), 0)
    for line in lines:
        if not any(marker in line for marker in _CONFIG_EVENTS):
            continue
        try:
            rec = json.loads(line)
            details = rec.get("details") or {}
            event, outcome, stage = rec.get("event"), rec.get("outcome"), details.get("stage")
        except (ValueError, AttributeError, RecursionError):
            continue  # an unreadable record is the log verification's business
        digest = details.get("sha256")
        revision = details.get("revision")
        if event == "config.change" and outcome == "success":
            if isinstance(digest, str):
                state = AuthorizedConfig(frozenset({digest}), int(revision or 0))
            elif isinstance(revision, int):
                state = AuthorizedConfig(frozenset(), revision, legacy=True)
        elif event == "config.change" and stage == "prepare" and isinstance(digest, str):
            state = AuthorizedConfig(state.digests | {digest}, state.revision, state.legacy)
        elif event == "reset" and stage == "start":
            state = AuthorizedConfig(state.digests | {None}, state.revision, state.legacy)
        elif event == "reset" and stage == "done":
            state = AuthorizedConfig(frozenset({None}), 0)
    return state


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ResetReport(BaseModel):
    hooks_run: list[str]
    hooks_failed: dict[str, str]


def _weakening(schema: type[BaseModel], old: BaseModel, new: BaseModel) -> list[str]:
    weakened = []
    for name, info in schema.model_fields.items():
        extra = info.json_schema_extra
        if (
            isinstance(extra, dict)
            and extra.get("security")
            and getattr(old, name)
            and not getattr(new, name)
        ):
            weakened.append(name)
    for name in ("remote_support_enabled", "debug_interfaces_enabled"):
        if name in schema.model_fields and not getattr(old, name) and getattr(new, name):
            weakened.append(name)
    return weakened


class ConfigStore:
    """Settings of type ``schema`` persisted at ``path`` (see the module docstring).

    ``log`` is the security log; ``clock`` returns the current aware datetime.
    ``before_rename`` is a test seam called with the temporary file just before it replaces
    the configuration (inject a crash there).
    """

    def __init__(
        self,
        path: Path | str,
        schema: type[DeviceSettings] = DeviceSettings,
        *,
        log: _Log | None = None,
        clock: Callable[[], datetime] = _utcnow,
        before_rename: Callable[[Path], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.schema = schema
        self._log = log
        self._clock = clock
        self._before_rename = before_rename
        self._reset_hooks: list[tuple[str, Callable[[], object]]] = []
        self._digest = ""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._settings, self.revision = self._load()
        #: why the file on disk is not the last authorized configuration, or ``None``
        self.tampered: str | None = self.binding_problem()
        if self.tampered is not None:
            authorized = self._authorized()
            self._record("config.tamper", "failure", reason=self.tampered, action="secure defaults in force")
            self._settings = self.schema()
            self.revision = authorized.revision if authorized is not None else self.revision

    # --- reading ---------------------------------------------------------------------------------

    def _load(self) -> tuple[DeviceSettings, int]:
        if not self.path.exists():
            return self.schema(), 0
        try:
            doc = json.loads(self.path.read_bytes())
            if doc.get("format") != FORMAT:
                raise ValueError(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
            return self.schema.model_validate(doc["settings"], strict=False), int(doc["revision"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"configuration file {self.path} is unreadable: {exc}",
                diagnostics="restore it from a backup or factory-reset the device",
            ) from exc

    def _authorized(self) -> AuthorizedConfig | None:
        lines = getattr(self._log, "lines", None)
        return authorized_config(lines()) if callable(lines) else None

    def binding_problem(self, log_lines: Iterable[bytes] | None = None) -> str | None:
        """Why the file on disk now is not what the security log authorized, or ``None``.

        Reads the log given (exact record lines) or the store's own log; without a log that
        can be read back there is nothing to compare and the answer is ``None``.
        """
        authorized = authorized_config(log_lines) if log_lines is not None else self._authorized()
        if authorized is None:
            return None
        try:
            data: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:
            return f"configuration file {self.path} is unreadable: {exc.strerror}"
        revision: int | None = 0
        if data is not None:
            try:
                revision = int(json.loads(data)["revision"])
            except (ValueError, KeyError, TypeError, RecursionError):
                revision = None
        if authorized.admits(_digest(data) if data is not None else None, revision):
            return None
        found = "is missing" if data is None else f"(revision {revision}) is not the one the API wrote"
        return (
            f"configuration drift: {self.path} {found}; it was changed outside the API "
            f"(the security log authorizes revision {authorized.revision})"
        )

    def get(self) -> DeviceSettings:
        return self._settings

    @property
    def initialized(self) -> bool:
        """False until the first change after provisioning or a factory reset."""
        return self.revision > 0

    # --- changing --------------------------------------------------------------------------------

    def _require(self, principal: Principal | None, action: Action) -> None:
        if not can(principal, action):
            self._record("access.denied", "failure", principal=principal, action=action.value)
            who = f"{principal.role.value} {principal.name!r}" if principal else "an unauthenticated caller"
            raise AccessDeniedError(
                f"{who} may not {action.value}", diagnostics="log in as the device owner to change settings"
            )

    def change(self, principal: Principal | None, **settings: Any) -> DeviceSettings:
        """Apply ``settings`` if ``principal`` may change the configuration; returns the new settings."""
        self._require(principal, Action.CONFIG_CHANGE)
        unknown = sorted(set(settings) - set(self.schema.model_fields))
        if unknown:
            self._record(
                "config.change", "failure", principal=principal, setting=unknown[0], reason="unknown"
            )
            raise ConfigError(
                f"unknown setting {unknown[0]!r}",
                diagnostics=f"valid settings: {', '.join(sorted(self.schema.model_fields))}",
            )
        merged = {**self._settings.model_dump(), **settings}
        try:
            new = self.schema.model_validate(merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            name = str(err["loc"][0]) if err["loc"] else "?"
            self._record("config.change", "failure", principal=principal, setting=name, reason=err["msg"])
            raise ConfigError(
                f"invalid value for setting {name!r}: {err['msg']}",
                diagnostics=f"fix {name!r}; the previous configuration stays in force",
            ) from exc
        changed = sorted(k for k in settings if getattr(new, k) != getattr(self._settings, k))
        if not changed:
            return self._settings
        weakened = _weakening(self.schema, self._settings, new)
        self._write(new, self.revision + 1, principal)
        self._record(
            "config.change",
            "success",
            principal=principal,
            settings=changed,
            weakened=weakened,
            revision=self.revision,
            sha256=self._digest,
        )
        return new

    def _write(self, settings: DeviceSettings, revision: int, principal: Principal | None) -> None:
        doc = {
            "format": FORMAT,
            "revision": revision,
            "changed_at": self._clock().isoformat(),
            "changed_by": principal.name if principal else None,
            "settings": settings.model_dump(mode="json"),
        }
        data = json.dumps(doc, indent=1, sort_keys=True).encode() + b"\n"
        self._digest = _digest(data)
        # Authorize the exact bytes before they replace the file: a power cut between the two
        # leaves either file, and both are on record.
        self._record(
            "config.change",
            "info",
            principal=principal,
            stage="prepare",
            revision=revision,
            sha256=self._digest,
        )
        atomic_write(self.path, data, mode=0o600, before_rename=self._before_rename)
        self._settings, self.revision = settings, revision
        self.tampered = None

    # --- factory reset ---------------------------------------------------------------------------

    def on_reset(self, hook: Callable[[], object], name: str | None = None) -> None:
        """Register an erase step for :meth:`factory_reset` (run in registration order)."""
        self._reset_hooks.append((name or str(getattr(hook, "__qualname__", repr(hook))), hook))

    def factory_reset(self, principal: Principal | None) -> ResetReport:
        """Erase user data and local credentials through the hooks, then restore the defaults.

        Every hook runs even if an earlier one fails (a reset must not stop half-way); failures
        are logged and reported. The defaults are restored regardless.
        """
        self._require(principal, Action.RESET)
        self._record(
            "reset", "info", principal=principal, stage="start", hooks=[n for n, _ in self._reset_hooks]
        )
        ran: list[str] = []
        failed: dict[str, str] = {}
        for name, hook in self._reset_hooks:
            try:
                hook()
                ran.append(name)
            except (SecurableError, OSError, ValueError, RuntimeError) as exc:
                failed[name] = f"{type(exc).__name__}: {exc}"
        if self.path.exists():
            self.path.unlink()
            fsync_directory(self.path.parent)
        self._settings, self.revision = self.schema(), 0
        self.tampered = None
        self._record(
            "reset",
            "failure" if failed else "success",
            principal=principal,
            stage="done",
            hooks_run=ran,
            hooks_failed=failed,
        )
        return ResetReport(hooks_run=ran, hooks_failed=failed)

    def _record(self, event: str, outcome: str, **details: Any) -> None:
        if self._log is not None:
            self._log.record(event, outcome, **details)

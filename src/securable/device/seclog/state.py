"""The device's own verdict on its security state (NIST IR 8259A CSA-2, IR 8425 CSA-1).

"Operating as expected" or "possibly degraded", worked out from evidence the device already
has: does the security log verify, have there been many failed logins lately, did the last
update attempt fail, and does the configuration on disk still match the last authorized
change in the log (drift means someone changed the file behind the API). The report reveals
operational detail an attacker would like, so only roles allowed ``log.read`` may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from securable.device.principal import Action, Principal, can
from securable.errors import AccessDeniedError

if TYPE_CHECKING:
    from securable.device.config import ConfigStore
    from securable.device.seclog.log import SecurityLog

__all__ = ["DeviceState", "StateReport", "security_state"]


class DeviceState(StrEnum):
    EXPECTED = "operating as expected"
    DEGRADED = "possibly degraded"


@dataclass(frozen=True)
class StateReport:
    state: DeviceState
    reasons: tuple[str, ...]
    log_size: int
    log_verified: bool
    checked_at: datetime
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "reasons": list(self.reasons),
            "log": {"size": self.log_size, "verified": self.log_verified},
            "checked_at": self.checked_at.isoformat(),
            **self.details,
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


def security_state(
    log: SecurityLog,
    principal: Principal | None,
    *,
    config: ConfigStore | None = None,
    clock: Callable[[], datetime] = _utcnow,
    auth_failure_window: timedelta = timedelta(minutes=15),
    auth_failure_threshold: int = 10,
) -> StateReport:
    """Assess the device's state from its log (and configuration); refused without ``log.read``."""
    if not can(principal, Action.LOG_READ):
        log.record("access.denied", "failure", principal=principal, action=Action.LOG_READ.value)
        raise AccessDeniedError(
            "the security state is only readable by the owner or support",
            diagnostics="log in with a role that may read the security log",
        )
    now = clock()
    reasons: list[str] = []
    log.record_start_up_findings()
    verified = log.verify()
    if not verified.ok:
        reasons.append(
            f"security log failed verification at record {verified.first_bad_index}: {verified.reason}"
        )
    recent_failures = 0
    last_update: tuple[str, str] | None = None
    tampered: list[str] = []
    for rec in log.records():
        event, outcome = str(rec.get("event")), str(rec.get("outcome"))
        if event == "auth.failure":
            try:
                when = datetime.fromisoformat(rec["time"])
            except (KeyError, ValueError):
                continue
            if now - when <= auth_failure_window:
                recent_failures += 1
        elif event.startswith("update.") and outcome in ("success", "failure"):
            last_update = (event, outcome)
        elif event == "log.tamper":
            tampered.append(f"record {rec.get('index')}: {rec.get('details', {}).get('reason')}")
        elif event == "reset" and rec.get("details", {}).get("stage") == "done":
            tampered = []  # a factory reset is where the owner starts afresh
    if tampered:
        reasons.append(f"the security log was altered while the device was off ({tampered[-1]})")
    if recent_failures >= auth_failure_threshold:
        reasons.append(f"{recent_failures} failed logins in the last {auth_failure_window}")
    if last_update is not None and last_update[1] == "failure":
        reasons.append(f"the last update step failed ({last_update[0]})")
    if config is not None:
        # The file on disk now against the log's record of authorized writes (hash-bound).
        drift = config.binding_problem(log.lines())
        if drift is not None:
            reasons.append(drift)
        elif config.tampered is not None:  # found at load; the defaults are in force
            reasons.append(f"{config.tampered} (found at start-up; secure defaults in force)")
    report = StateReport(
        state=DeviceState.DEGRADED if reasons else DeviceState.EXPECTED,
        reasons=tuple(reasons),
        log_size=verified.size,
        log_verified=verified.ok,
        checked_at=now,
        details={"recent_auth_failures": recent_failures},
    )
    log.record("log.read", "success", principal=principal, report="security_state", state=report.state.value)
    return report

"""``fw.credentials.empty-password``: no account of the image logs in without a password."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from securable.assess.checks.firmware._accounts import PASSWD, no_accounts, read_accounts
from securable.assess.model import Check, Finding, ImageView, Location, Severity, TargetKind, Verdict


class EmptyPasswordCheck(Check):
    """Accounts with an empty password field in ``/etc/shadow`` (or ``/etc/passwd`` without shadow).

    An empty password lets anyone who reaches a login prompt (serial console, telnet, SSH with
    empty passwords allowed, ``su``) in without knowing anything: the classic universal default.
    Accounts with a no-login shell still fail, at lower severity, because other services (FTP,
    ``su``, PAM-based web logins) may accept them. Fix: lock the account (``passwd -l``, a ``!`` or
    ``*`` in the shadow field) and have the device set a unique or user-chosen password at first use.
    """

    id = "fw.credentials.empty-password"
    title = "No account with an empty password"
    evidences = ("nistir8425:IAC-1b", "nistir8259a:LA-2", "en303645:5.1-1", "cra:I.2.b", "cra:I.2.d")
    target = TargetKind.FIRMWARE
    severity = Severity.HIGH

    def run(self, target: Any) -> Iterable[Finding]:
        image: ImageView = target
        accounts = read_accounts(image)
        if accounts is None:
            yield no_accounts(self)
            return
        empty = [a for a in accounts if a.empty]
        for account in empty:
            yield self.finding(
                Verdict.FAIL,
                f"account '{account.name}' has an empty password"
                + ("" if account.login_shell else " (no-login shell, other services may still accept it)"),
                location=Location(path=account.source, line=account.line),
                severity=Severity.HIGH if account.login_shell else Severity.LOW,
                evidence={"account": account.name, "uid": account.uid, "shell": account.shell},
            )
        unknown = [a.name for a in accounts if a.password is None]
        if not empty:
            yield self.finding(
                Verdict.PASS,
                f"none of {len(accounts)} accounts has an empty password",
                location=Location(path=accounts[0].source if accounts else PASSWD),
                evidence={"accounts": len(accounts), "no_shadow_entry": unknown},
            )

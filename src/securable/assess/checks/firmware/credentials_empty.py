"""``fw.credentials.empty-password``: no account of the image logs in without a password."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.checks.firmware._common import no_accounts
from securable.assess.facts.accounts import PASSWD
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict


class EmptyPasswordCheck(FirmwareCheck):
    """Accounts with an empty password field in ``/etc/shadow`` (or ``/etc/passwd`` without shadow).

    An empty password lets anyone who reaches a login prompt (serial console, telnet, SSH with
    empty passwords allowed, ``su``) in without knowing anything: the classic universal default.
    Accounts with a no-login shell still fail, at lower severity, because other services (FTP,
    ``su``, PAM-based web logins) may accept them. Fix: lock the account (``passwd -l``, a ``!`` or
    ``*`` in the shadow field) and have the device set a unique or user-chosen password at first use.
    """

    id = "fw.credentials.empty-password"
    title = "No account with an empty password"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Lock every account that has no password and have the device set a unique or "
        "user-chosen password at first use.",
        example="passwd -l root    # or in /etc/shadow: root:!:19000:0:99999:7:::",
        references=("nistir8425:IAC-1b", "en303645:5.1-1", "cra:I.2.d"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        return no_accounts() if target.accounts is None else None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        accounts = target.accounts or []
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

"""``fw.credentials.default-password``: no account's password is a well-known default or weak one."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import ClassVar

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.checks.firmware._common import no_accounts, no_password_hashes
from securable.assess.checks.firmware._crypt import scheme_of, verify
from securable.assess.credentials import default_credentials
from securable.assess.facts.accounts import Account
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict


def candidates_for(account: str) -> list[str]:
    """Passwords worth trying for ``account``: its own defaults first, then the weak list, then its name."""
    own = [c.password for c in default_credentials() if c.user == account]
    common = [c.password for c in default_credentials() if c.user == "*"]
    return list(dict.fromkeys([*own, *common, account]))


class DefaultPasswordCheck(FirmwareCheck):
    """Tests each account's password hash against a shipped list of well-known default credentials.

    The list (``data/default_credentials.txt``) holds a few hundred vendor defaults of routers,
    cameras, single-board computers and embedded distributions, plus common weak passwords and the
    account's own name. A match means the device ships with a universal password that botnets
    try first. Verification is offline with the system's crypt library, for every crypt format;
    slow hash settings are tried within a time budget, and an account not fully tested is reported
    ``inconclusive`` rather than passed. Fix: no shared default; a unique per-device password
    (printed on the label) or one the user sets at first use.
    """

    id = "fw.credentials.default-password"
    title = "No account uses a default or well-known password"
    severity = Severity.CRITICAL
    budget_seconds: ClassVar[float] = 30.0
    remediation = Remediation(
        summary="Ship no shared password: give each unit its own random password (printed on its "
        "label) or make the user choose one at first use, and lock accounts nobody logs in to.",
        example="# at manufacturing, per unit:\n"
        "printf 'root:%s\\n' \"$(openssl rand -base64 12)\" | chpasswd",
        references=("nistir8425:IAC-1b", "en303645:5.1-1", "en303645:5.1-2", "cra:I.2.d"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if target.accounts is None:
            return no_accounts()
        if not any(a.hashed for a in target.accounts):
            return no_password_hashes(
                "no account has a password hash to test (all locked, empty or unknown)", len(target.accounts)
            )
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        hashed = [a for a in target.accounts or [] if a.hashed]
        deadline = time.monotonic() + self.budget_seconds
        clean, failed = [], False
        for account in hashed:
            result = self._test(account, deadline)
            if result is not None:
                yield result
                failed = failed or result.verdict is Verdict.FAIL
            else:
                clean.append(account.name)
        if clean and not failed:
            yield self.finding(
                Verdict.PASS,
                f"no default or weak password among {len(clean)} tested accounts",
                location=Location(path=hashed[0].source),
                evidence={"accounts": clean, "list_size": len(default_credentials())},
            )

    def _test(self, account: Account, deadline: float) -> Finding | None:
        assert account.password is not None
        location = Location(path=account.source, line=account.line)
        scheme = scheme_of(account.password).name
        for tried, password in enumerate(candidates_for(account.name)):
            if time.monotonic() > deadline:
                return self.finding(
                    Verdict.INCONCLUSIVE,
                    f"time budget spent before all candidates for '{account.name}' were tried",
                    location=location,
                    evidence={"account": account.name, "scheme": scheme, "tried": tried},
                )
            ok = verify(password, account.password)
            if ok is None:
                return self.finding(
                    Verdict.INCONCLUSIVE,
                    f"cannot verify the {scheme} hash of '{account.name}' with the crypt library available",
                    location=location,
                    evidence={"account": account.name, "scheme": scheme},
                )
            if ok:
                vendors = sorted(
                    {
                        c.vendor
                        for c in default_credentials()
                        if c.password == password and c.user in (account.name, "*")
                    }
                )
                return self.finding(
                    Verdict.FAIL,
                    f"account '{account.name}' uses a well-known password"
                    + (f" (listed for {', '.join(vendors[:3])})" if vendors else " (its own name)"),
                    location=location,
                    evidence={
                        "account": account.name,
                        "scheme": scheme,
                        "password_hint": f"{password[:2]}…({len(password)} chars)",
                        "known_as": vendors[:5],
                    },
                )
        return None

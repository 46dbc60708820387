"""``fw.credentials.weak-hash``: password hashes use a current algorithm and are not world-readable."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, NotApplicable
from securable.assess.checks.firmware._common import no_accounts
from securable.assess.checks.firmware._crypt import scheme_of
from securable.assess.facts.accounts import PASSWD
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict


class WeakPasswordHashCheck(FirmwareCheck):
    """The algorithm of every stored password hash, and where the hash is stored.

    DES crypt (8 significant characters), MD5-crypt ``$1$``, SunMD5, SHA1-crypt, BSDi and NT hashes
    are cracked quickly on commodity GPUs, so a leaked hash becomes the password. A hash kept in
    the world-readable ``/etc/passwd`` instead of ``/etc/shadow`` leaks to every local process.
    SHA-crypt ``$5$``/``$6$``, yescrypt ``$y$``, scrypt ``$7$`` and bcrypt ``$2b$`` pass. Fix:
    store hashes in ``/etc/shadow`` (mode 0640 or stricter) made with yescrypt or SHA-512 crypt.
    """

    id = "fw.credentials.weak-hash"
    title = "Password hashes use a strong algorithm and are kept in shadow"
    severity = Severity.MEDIUM

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        return no_accounts() if target.accounts is None else None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        accounts = image.accounts or []
        hashed = [a for a in accounts if a.hashed and a.password]
        if not hashed:
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                "no account has a password hash (all locked, empty or without a shadow entry)",
                location=Location(path=PASSWD),
                evidence={"accounts": len(accounts)},
            )
            return
        failed = False
        for account in hashed:
            assert account.password is not None
            scheme = scheme_of(account.password)
            location = Location(path=account.source, line=account.line)
            if scheme.weak:
                failed = True
                yield self.finding(
                    Verdict.FAIL,
                    f"account '{account.name}' uses {scheme.name}: {scheme.reason}",
                    location=location,
                    evidence={"account": account.name, "scheme": scheme.name},
                )
            if account.source == PASSWD:
                failed = True
                yield self.finding(
                    Verdict.FAIL,
                    f"the password hash of '{account.name}' is in world-readable /etc/passwd, not in shadow",
                    location=location,
                    evidence={"account": account.name, "scheme": scheme.name},
                )
        if not failed:
            schemes = sorted({scheme_of(a.password or "").name for a in hashed})
            yield self.finding(
                Verdict.PASS,
                f"{len(hashed)} password hashes, all in shadow, using {', '.join(schemes)}",
                location=Location(path=hashed[0].source),
                evidence={"schemes": schemes, "accounts": [a.name for a in hashed]},
            )

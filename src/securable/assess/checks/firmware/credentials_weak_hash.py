"""``fw.credentials.weak-hash``: password hashes use a current algorithm and are not world-readable."""

from __future__ import annotations

from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.checks.firmware._common import no_accounts, no_password_hashes
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
    remediation = Remediation(
        summary="Keep password hashes in /etc/shadow (mode 0640 or stricter) and make them with "
        "yescrypt or SHA-512 crypt; re-set passwords stored with DES or MD5 crypt.",
        example="# /etc/login.defs\n"
        "ENCRYPT_METHOD YESCRYPT\n"
        '# busybox: CONFIG_FEATURE_DEFAULT_PASSWD_ALGO="sha512"',
        references=("nistir8425:DP-1", "en303645:5.4-1", "en303645:5.1-3", "cra:I.2.e"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if target.accounts is None:
            return no_accounts()
        if not any(a.hashed and a.password for a in target.accounts):
            return no_password_hashes(
                "no account has a password hash (all locked, empty or without a shadow entry)",
                len(target.accounts),
            )
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        hashed = [a for a in target.accounts or [] if a.hashed and a.password]
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

"""``fw.ssh.server-config``: the SSH server refuses empty passwords and password logins as root."""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck
from securable.assess.checks.firmware._common import config_lines
from securable.assess.facts.firmware import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict

SSHD_CONFIG = "/etc/ssh/sshd_config"
_DEFAULTS = {
    "permitrootlogin": "prohibit-password",
    "permitemptypasswords": "no",
    "passwordauthentication": "yes",
}
_DROPBEAR = re.compile(r"(?:^|[\s/=\"'])dropbear(?:\s|$|\")")


def _sshd_settings(image: FirmwareView) -> dict[str, tuple[str, str, int, bool]]:
    """keyword → (value, file, line, inside Match); first value wins, Includes expanded in place."""
    settings: dict[str, tuple[str, str, int, bool]] = {}
    conditional: dict[str, tuple[str, str, int, bool]] = {}

    def read(path: str, depth: int, in_match: bool) -> bool:
        for number, line in config_lines(image, path):
            parts = line.replace("=", " ", 1).split(None, 1)
            key, value = parts[0].lower(), (parts[1].strip() if len(parts) > 1 else "")
            if key == "match":
                in_match = value.lower() != "all"
                continue
            if key == "include" and depth < 8:
                for pattern in value.split():
                    full = pattern if pattern.startswith("/") else f"/etc/ssh/{pattern}"
                    directory = full.rsplit("/", 1)[0]
                    names = sorted(
                        e.path for e in image.glob(directory + "/*") if fnmatch.fnmatchcase(e.path, full)
                    )
                    for name in names:
                        in_match = read(name, depth + 1, in_match)
                continue
            target = conditional if in_match else settings
            target.setdefault(key, (value.split()[0].lower() if value else "", path, number, in_match))
        return in_match

    read(SSHD_CONFIG, 0, False)
    for key, value in conditional.items():
        settings.setdefault(f"match:{key}", value)
    return settings


class SshServerConfigCheck(FirmwareCheck):
    """OpenSSH ``sshd_config`` (with ``Include`` files and ``Match`` blocks) and dropbear's options
    (``/etc/default/dropbear``, OpenWrt ``/etc/config/dropbear``, boot command lines).

    Fails on empty passwords allowed (``PermitEmptyPasswords yes``, dropbear ``-B``) and on root
    logins with a password (``PermitRootLogin yes``; dropbear without ``-w``/``-g``/``-s``, OpenWrt
    ``RootPasswordAuth on``). Password authentication for other users is reported ``manual``: it is
    acceptable only with unique per-device passwords and brute-force limits (``MaxAuthTries``,
    ``PerSourcePenalties``). Fix: ``PermitRootLogin prohibit-password`` (or ``no``),
    ``PermitEmptyPasswords no``, ideally ``PasswordAuthentication no`` with per-device keys.
    """

    id = "fw.ssh.server-config"
    title = "SSH server refuses empty passwords and root password logins"
    severity = Severity.HIGH

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        findings: list[Finding] = []
        has_openssh = image.exists(SSHD_CONFIG)
        if has_openssh:
            findings += self._openssh(image)
        dropbear, has_dropbear = self._dropbear(image)
        findings += dropbear
        if not has_openssh and not has_dropbear:
            yield self.finding(
                Verdict.NOT_APPLICABLE,
                "no SSH server (sshd_config or dropbear) configured in the image",
                location=Location(path=SSHD_CONFIG),
            )
            return
        yield from findings
        if not any(f.verdict in (Verdict.FAIL, Verdict.MANUAL) for f in findings):
            yield self.finding(
                Verdict.PASS,
                "SSH server settings refuse empty and root password logins",
                location=Location(path=SSHD_CONFIG if has_openssh else "/etc/config/dropbear"),
            )

    def _openssh(self, image: FirmwareView) -> list[Finding]:
        settings = _sshd_settings(image)
        out: list[Finding] = []

        def value(key: str) -> tuple[str, Location]:
            if key in settings:
                v, path, line, _ = settings[key]
                return v, Location(path=path, line=line)
            return _DEFAULTS[key], Location(path=SSHD_CONFIG)

        empty, loc = value("permitemptypasswords")
        if empty == "yes":
            out.append(
                self.finding(
                    Verdict.FAIL,
                    "sshd accepts empty passwords (PermitEmptyPasswords yes)",
                    location=loc,
                    severity=Severity.CRITICAL,
                )
            )
        pw_auth, ploc = value("passwordauthentication")
        root, rloc = value("permitrootlogin")
        if root == "yes":
            out.append(
                self.finding(
                    Verdict.FAIL,
                    "sshd permits root logins" + (" with a password" if pw_auth == "yes" else ""),
                    location=rloc,
                    severity=Severity.HIGH if pw_auth == "yes" else Severity.MEDIUM,
                    evidence={"PermitRootLogin": root, "PasswordAuthentication": pw_auth},
                )
            )
        for key in ("permitemptypasswords", "permitrootlogin"):
            cond = settings.get(f"match:{key}")
            if cond and cond[0] == "yes":
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        f"a Match block sets {key} yes",
                        location=Location(path=cond[1], line=cond[2]),
                    )
                )
        if pw_auth == "yes":
            out.append(
                self.finding(
                    Verdict.MANUAL,
                    "sshd accepts password logins: confirm passwords are unique per device "
                    "and guessing is rate-limited",
                    location=ploc,
                    evidence={
                        "PasswordAuthentication": pw_auth,
                        "MaxAuthTries": settings.get("maxauthtries", ("6 (default)",))[0],
                    },
                )
            )
        return out

    def _dropbear(self, image: FirmwareView) -> tuple[list[Finding], bool]:
        out: list[Finding] = []
        args: list[tuple[str, int, str]] = []
        for number, line in config_lines(image, "/etc/default/dropbear"):
            if line.startswith(("DROPBEAR_EXTRA_ARGS", "DROPBEAR_ARGS")):
                args.append(("/etc/default/dropbear", number, line.split("=", 1)[1].strip("\"' ")))
        for entry in image.boot_entries:
            for number, line in entry.lines:
                if _DROPBEAR.search(line) and not line.startswith(("#", "echo")):
                    args.append((entry.path, number, line))
        uci = list(config_lines(image, "/etc/config/dropbear"))
        if uci:
            options = {
                m.group(1): m.group(2)
                for _, opt in uci
                if (m := re.match(r"option\s+(\w+)\s+'?\"?([^'\"]*)", opt))
            }
            if options.get("RootPasswordAuth", "on") in ("on", "1"):
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        "dropbear allows root logins with a password (RootPasswordAuth)",
                        location=Location(path="/etc/config/dropbear"),
                        severity=Severity.MEDIUM,
                    )
                )
            if options.get("PasswordAuth", "on") in ("on", "1"):
                out.append(
                    self.finding(
                        Verdict.MANUAL,
                        "dropbear accepts password logins: confirm unique passwords",
                        location=Location(path="/etc/config/dropbear"),
                    )
                )
            if not out:
                out.append(
                    self.finding(
                        Verdict.PASS,
                        "dropbear: password logins off",
                        location=Location(path="/etc/config/dropbear"),
                    )
                )
        for path, number, line in args:
            try:
                words = shlex.split(line)
            except ValueError:
                words = line.split()
            flags = "".join(w[1:] for w in words if w.startswith("-") and not w.startswith("--"))
            where = Location(path=path, line=number)
            if "B" in flags:
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        "dropbear runs with -B: blank passwords accepted",
                        location=where,
                        severity=Severity.CRITICAL,
                    )
                )
            if not ({"w", "g", "s"} & set(flags)) and not uci:
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        "dropbear allows root password logins (no -w, -g or -s)",
                        location=where,
                        severity=Severity.MEDIUM,
                    )
                )
        return out, bool(args or uci)

"""``fw.ssh.server-config``: the SSH server refuses empty passwords and password logins as root."""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, NotApplicable, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.ssh import DROPBEAR_UCI, SSHD_CONFIG, Dropbear, OpenSsh
from securable.assess.model import Finding, Location, Severity, Verdict

# OpenSSH's compiled-in defaults for the keywords looked at (sshd_config(5), OpenSSH >= 7.0).
_DEFAULTS = {
    "permitrootlogin": "prohibit-password",
    "permitemptypasswords": "no",
    "passwordauthentication": "yes",
}


class SshServerConfigCheck(FirmwareCheck):
    """OpenSSH ``sshd_config`` (with ``Include`` files and ``Match`` blocks) and dropbear's options
    (``/etc/default/dropbear``, OpenWrt ``/etc/config/dropbear``, boot command lines), as the
    ``ssh_server`` fact of the image reads them.

    Fails on empty passwords allowed (``PermitEmptyPasswords yes``, dropbear ``-B``) and on root
    logins with a password (``PermitRootLogin yes``; dropbear without ``-w``/``-g``/``-s``, OpenWrt
    ``RootPasswordAuth on``). Password authentication for other users is reported ``manual``: it is
    acceptable only with unique per-device passwords and brute-force limits (``MaxAuthTries``,
    ``PerSourcePenalties``). A dropbear whose options nothing in the image shows is
    ``inconclusive``. Not applicable when the image has no SSH server.
    """

    id = "fw.ssh.server-config"
    title = "SSH server refuses empty passwords and root password logins"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Refuse empty passwords and root password logins; ideally turn password "
        "authentication off and log in with per-device or per-owner keys.",
        example="# /etc/ssh/sshd_config\nPermitRootLogin prohibit-password\nPermitEmptyPasswords no\n"
        'PasswordAuthentication no\n# dropbear: DROPBEAR_EXTRA_ARGS="-s -g"',
        references=("nistir8425:IAC-1b", "en303645:5.1-1", "en303645:5.1-5", "cra:I.2.d"),
    )

    def applies(self, target: FirmwareView) -> NotApplicable | None:
        if target.ssh_server is None:
            return NotApplicable(
                "no SSH server (sshd_config or dropbear) configured in the image",
                location=Location(path=SSHD_CONFIG),
            )
        return None

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        server = target.ssh_server
        assert server is not None  # applies() said so
        findings: list[Finding] = []
        if server.openssh is not None:
            findings += self._openssh(server.openssh)
        if server.dropbear is not None:
            findings += self._dropbear(server.dropbear)
        yield from findings
        if not any(f.verdict in (Verdict.FAIL, Verdict.MANUAL, Verdict.INCONCLUSIVE) for f in findings):
            yield self.finding(
                Verdict.PASS,
                "SSH server settings refuse empty and root password logins",
                location=Location(path=SSHD_CONFIG if server.openssh is not None else DROPBEAR_UCI),
            )

    def _openssh(self, sshd: OpenSsh) -> list[Finding]:
        out: list[Finding] = []

        def value(key: str) -> tuple[str, Location]:
            setting = sshd.settings.get(key)
            if setting is not None:
                return setting.value, Location(path=setting.path, line=setting.line)
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
            cond = sshd.conditional.get(key)
            if cond is not None and cond.value == "yes":
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        f"a Match block sets {key} yes",
                        location=Location(path=cond.path, line=cond.line),
                    )
                )
        if pw_auth == "yes":
            tries = sshd.settings.get("maxauthtries")
            out.append(
                self.finding(
                    Verdict.MANUAL,
                    "sshd accepts password logins: confirm passwords are unique per device "
                    "and guessing is rate-limited",
                    location=ploc,
                    evidence={
                        "PasswordAuthentication": pw_auth,
                        "MaxAuthTries": tries.value if tries is not None else "6 (default)",
                    },
                )
            )
        return out

    def _dropbear(self, dropbear: Dropbear) -> list[Finding]:
        out: list[Finding] = []
        if not dropbear.configured:
            return [
                self.finding(
                    Verdict.INCONCLUSIVE,
                    "dropbear is in the image but neither an options file nor a boot line that starts "
                    "it says how it runs",
                    location=Location(path=dropbear.binary or "/etc/dropbear"),
                )
            ]
        uci = dropbear.uci
        if uci is not None:
            here = Location(path=DROPBEAR_UCI)
            if uci.get("RootPasswordAuth", "on") in ("on", "1"):
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        "dropbear allows root logins with a password (RootPasswordAuth)",
                        location=here,
                        severity=Severity.MEDIUM,
                    )
                )
            if uci.get("PasswordAuth", "on") in ("on", "1"):
                out.append(
                    self.finding(
                        Verdict.MANUAL,
                        "dropbear accepts password logins: confirm unique passwords",
                        location=here,
                    )
                )
            if not out:
                out.append(self.finding(Verdict.PASS, "dropbear: password logins off", location=here))
        for command in dropbear.command_lines:
            try:
                words = shlex.split(command.text)
            except ValueError:
                words = command.text.split()
            flags = "".join(w[1:] for w in words if w.startswith("-") and not w.startswith("--"))
            where = Location(path=command.path, line=command.line)
            if "B" in flags:
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        "dropbear runs with -B: blank passwords accepted",
                        location=where,
                        severity=Severity.CRITICAL,
                    )
                )
            if not ({"w", "g", "s"} & set(flags)) and uci is None:
                out.append(
                    self.finding(
                        Verdict.FAIL,
                        "dropbear allows root password logins (no -w, -g or -s)",
                        location=where,
                        severity=Severity.MEDIUM,
                    )
                )
        return out

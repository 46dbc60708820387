"""``fw.logging.security-log``: a system log is kept and not thrown away."""

from __future__ import annotations

import re
from collections.abc import Iterable

from securable.assess.check import FirmwareCheck, Remediation
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.image_io import children, config_lines
from securable.assess.model import (
    FileKind,
    Finding,
    Location,
    Severity,
    Verdict,
)

DAEMONS = {
    "rsyslog": ("/usr/sbin/rsyslogd", "/sbin/rsyslogd"),
    "syslog-ng": ("/usr/sbin/syslog-ng", "/sbin/syslog-ng"),
    "journald": ("/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald"),
    "syslogd": ("/sbin/syslogd", "/usr/sbin/syslogd", "/bin/syslogd"),
    "logd": ("/sbin/logd",),
}
# A daemon's configuration counts as evidence too: images are often assessed before the binary
# is installed by a later build step, or with busybox providing the daemon through an applet.
CONFIGS = {
    "rsyslog": ("/etc/rsyslog.conf",),
    "syslog-ng": ("/etc/syslog-ng/syslog-ng.conf",),
    "journald": ("/etc/systemd/journald.conf",),
    "syslogd": ("/etc/syslog.conf",),
}
_DISCARD = re.compile(r"^(\*\.\*|\*\.[a-z]+(;[^\s]+)?)\s+(/dev/null|~|stop)\s*$")
_RAINER_NULL = re.compile(r"(?:file|File)\s*=\s*\"/dev/null\"")


class SecurityLoggingCheck(FirmwareCheck):
    """A logging daemon (rsyslog, syslog-ng, systemd-journald, busybox syslogd, OpenWrt logd: its
    binary or its configuration) is present and its configuration does not discard everything:
    rsyslog/syslog ``*.* /dev/null``,
    ``*.* ~`` or ``stop`` rules, an ``omfile`` to ``/dev/null``, journald ``Storage=none`` without
    forwarding, busybox ``syslogd -O /dev/null``, or ``/var/log`` linked to ``/dev/null``.

    Without a log nobody can tell that the device was attacked or misconfigured. Fix: ship a
    logging daemon and keep authentication and system events (persistently or forwarded).
    """

    id = "fw.logging.security-log"
    title = "Security-relevant events are logged, not discarded"
    severity = Severity.MEDIUM
    remediation = Remediation(
        summary="Ship a logging daemon and keep authentication and system events, persistently or "
        "forwarded to a collector; remove rules that send everything to /dev/null.",
        example="# /etc/rsyslog.conf\n"
        "auth,authpriv.*  /var/log/auth.log\n"
        "*.*;auth,authpriv.none  -/var/log/syslog\n"
        "# journald: Storage=persistent (or ForwardToSyslog=yes)",
        references=("nistir8425:CSA-1", "en303645:5.7-2", "cra:I.2.l"),
    )

    def run(self, target: FirmwareView) -> Iterable[Finding]:
        image = target
        present = sorted(name for name, paths in DAEMONS.items() if any(image.exists(p) for p in paths))
        configured = sorted(
            name
            for name, paths in CONFIGS.items()
            if name not in present and any(image.exists(p) for p in paths)
        )
        failures: list[Finding] = []
        varlog = image.entry("/var/log")
        if varlog is not None and varlog.kind is FileKind.SYMLINK and varlog.link == "/dev/null":
            failures.append(self._fail("/var/log", None, "/var/log is a link to /dev/null"))
        for path in [
            "/etc/rsyslog.conf",
            "/etc/syslog.conf",
            *(e.path for e in children(image, "/etc/rsyslog.d")),
        ]:
            for number, line in config_lines(image, path):
                if _DISCARD.match(line) and line.split()[0] == "*.*":
                    failures.append(
                        self._fail(path, number, f"syslog rule discards every message: {line[:80]}")
                    )
                elif _RAINER_NULL.search(line):
                    failures.append(self._fail(path, number, "rsyslog writes to /dev/null"))
        journald = [
            "/etc/systemd/journald.conf",
            *(e.path for e in children(image, "/etc/systemd/journald.conf.d")),
        ]
        storage, forward = None, False
        for path in journald:
            for number, line in config_lines(image, path):
                key, _, value = line.partition("=")
                if key.strip() == "Storage":
                    storage = (path, number, value.strip().lower())
                if key.strip() == "ForwardToSyslog" and value.strip().lower() in ("yes", "true", "1"):
                    forward = True
        if storage and storage[2] == "none" and not (forward and set(present) - {"journald"}):
            failures.append(self._fail(storage[0], storage[1], "journald keeps no log (Storage=none)"))
        for entry in image.boot_entries:
            for number, line in entry.lines:
                if re.search(r"\bsyslogd\b[^\n]{0,80}\s-O\s*/dev/null", line):
                    failures.append(self._fail(entry.path, number, "syslogd writes its log to /dev/null"))
        yield from failures
        if not present and not configured:
            yield self.finding(
                Verdict.FAIL,
                "no logging daemon (rsyslog, syslog-ng, journald, syslogd, logd) in the image",
                location=Location(path="/sbin/syslogd"),
            )
        elif not failures:
            yield self.finding(
                Verdict.PASS,
                f"logging by {', '.join(present + configured)}, not discarded",
                location=Location(path="/etc"),
                evidence={"daemons": present, "configured_only": configured},
            )

    def _fail(self, path: str, line: int | None, message: str) -> Finding:
        return self.finding(Verdict.FAIL, message, location=Location(path=path, line=line))

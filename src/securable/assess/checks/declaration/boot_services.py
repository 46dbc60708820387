"""``decl.boot-services``: every service the firmware starts at boot is declared (cross-check)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator

from securable.assess.check import DeclarationCheck, NotApplicable, Remediation
from securable.assess.checks.declaration._common import field
from securable.assess.facts import FirmwareView
from securable.assess.model import Finding, Location, Severity, Verdict
from securable.assess.targets.declaration import Declaration

_RC_NAME = re.compile(r"^[SK]\d+(.*)$")
_INETD_LINE = re.compile(r"^\s*([A-Za-z0-9_.+-]+)\s+(stream|dgram|raw|seqpacket)\s")
# Units every systemd system enables for its own housekeeping; not product services.
_SERVICE_MECHANISMS = frozenset({"systemd", "sysv", "inetd", "xinetd"})
_SYSTEMD_PLUMBING = re.compile(
    r"^(systemd-|getty@|serial-getty@|dbus|remote-fs|multi-user|graphical|network-online|"
    r"sockets|timers|paths|basic|sysinit|local-fs|swap|cryptsetup|machines|e2scrub|fstrim|apt-daily|"
    r"man-db|dpkg-db|logrotate|console-setup|keyboard-setup|networking|ifupdown|ssh-keygen)"
)


def normalise(name: str) -> str:
    """``S50httpd`` / ``httpd.service`` / ``httpd@1.socket`` → ``httpd``, for comparing names."""
    base = name.rsplit("/", 1)[-1]
    base = re.sub(r"\.(service|socket|sh|init)$", "", base)
    base = base.split("@", 1)[0]
    match = _RC_NAME.match(base)
    if match:
        base = match.group(1)
    return base.strip("-_.").lower()


def boot_services(image: FirmwareView) -> dict[str, str]:
    """Services the image starts at boot: normalised name → where that was found.

    Read from the same boot inventory the firmware checks use
    (:attr:`securable.assess.facts.FirmwareView.boot_entries`): systemd units enabled through
    ``*.wants``/``*.requires`` (and the services of enabled sockets), SysV/buildroot ``S??`` scripts,
    and inetd/xinetd services. Console gettys, ``rc.local`` lines and ``@reboot`` cron jobs are
    not services to declare; the firmware checks judge what they start.
    """
    found: dict[str, str] = {}
    for entry in image.boot_entries:
        if entry.mechanism not in _SERVICE_MECHANISMS:
            continue
        name = normalise(entry.name) if entry.mechanism in ("systemd", "sysv") else entry.name.lower()
        if name and not (entry.mechanism == "systemd" and _SYSTEMD_PLUMBING.match(name)):
            found.setdefault(name, entry.via or entry.path)
    return found


class BootServicesDeclaredCheck(DeclarationCheck):
    """Cross-check of the declaration against the firmware image: every service the image starts at
    boot (systemd units enabled via ``*.wants``, SysV ``rc?.d/S*`` scripts, inetd services) must be
    listed under ``services:`` in product.yaml. An undeclared service fails; a clean match passes.

    Why: a conformance statement is only worth something if it matches the product; an undeclared
    service at boot is an interface nobody assessed (TS 103 701 checks the device against the IXIT;
    NIST IR 8425 asks that only needed interfaces are present).
    Fix: remove the service from the image, or declare it (with its purpose) under ``services:``.
    Needs both ``--manifest`` and ``--firmware``; without an image it is not applicable and cites
    no requirement, so they stay ``not_assessed``.
    """

    id = "decl.boot-services"
    title = "Services started at boot are all declared"
    severity = Severity.HIGH
    remediation = Remediation(
        summary="Declare every service the image starts at boot under services: in product.yaml, "
        "with its purpose, or stop the image from starting it.",
        example="services:\n"
        "  - {name: httpd, port: 443, protocol: https, start_at_boot: true, purpose: local configuration}\n"
        "  - {name: dropbear, port: 22, protocol: ssh, start_at_boot: true, purpose: field service}",
        references=("nistir8425:IAC-1a", "en303645:5.6-1", "cra:I.2.j"),
    )

    def applies(self, target: Declaration) -> NotApplicable | None:
        if self.firmware is None:
            return NotApplicable(
                "no firmware image in this run: nothing to cross-check the declared services against "
                "(give --firmware with --manifest)",
                location=field("services"),
            )
        return None

    def evaluate(self, target: Declaration) -> Iterator[Finding]:
        """As every check, except that *no image given* cites no requirement.

        That the run has no firmware image says nothing about the product's interfaces: the
        requirements stay ``not_assessed`` (as before this check used ``applies``) rather than
        coming out ``not_applicable`` in a declaration-only run.
        """
        for finding in super().evaluate(target):
            if finding.verdict is Verdict.NOT_APPLICABLE and self.firmware is None:
                finding = dataclasses.replace(finding, requirements=())
            yield finding

    def run(self, target: Declaration) -> Iterable[Finding]:
        image = self.firmware
        if image is None:  # applies() said so; kept for the type checker
            return
        declared = {normalise(service.name) for service in target.services}
        declared |= {n[:-1] for n in declared if n.endswith("d")}  # "sshd" also covers "ssh"
        found = boot_services(image)
        undeclared = {
            name: where
            for name, where in found.items()
            if name not in declared and name.rstrip("d") not in declared
        }
        for name, where in sorted(undeclared.items()):
            yield self.finding(
                Verdict.FAIL,
                f"service '{name}' starts at boot but is not declared in product.yaml",
                location=Location(path=where),
                evidence={"service": name, "declared": sorted(declared)},
            )
        if not undeclared:
            yield self.finding(
                Verdict.PASS,
                f"all {len(found)} service(s) started at boot are declared",
                location=field("services"),
                evidence={"services": found},
            )

"""Which ELF programs of the image face the network: started at boot, or declared on a port.

Two sources, the strongest first:

* the declaration (``product.yaml``, when the run has one): a service declared with a ``port``
  whose name matches a program of the image (``dropbear``, ``httpd`` → ``/usr/sbin/httpd`` →
  BusyBox) listens on the network;
* the image's boot inventory (``FirmwareView.boot_entries``): a program named in a boot entry
  (``ExecStart=``, an init script's ``DAEMON=``/``--exec`` path, an inetd line) runs from boot on.

Programs a boot script uses as plumbing (the shell, ``start-stop-daemon``, ``mount``, gettys
on the console) are not services and are left out, so BusyBox counts as network-facing when an
init script starts its ``httpd`` or ``telnetd``, not because the script calls ``mount``. Daemons
that serve only the device itself (``syslogd``, ``klogd``, ``crond``, ``udevd``, …) are left out
too: a BusyBox started as the local syslog daemon is not reachable from the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from securable.assess.facts.elf import ElfBinary
from securable.assess.facts.firmware import FirmwareView
from securable.assess.facts.image_io import resolve_link
from securable.assess.model import FileKind

__all__ = ["Exposure", "network_facing"]

_PATH_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin")
_ABSOLUTE = re.compile(r"(?<![\w.$-])(/[A-Za-z0-9_.+/-]{1,200})")
_COMMAND = re.compile(
    r"^(?:ExecStart(?:Pre|Post)?=[-@+!:]*|exec\s+|nohup\s+|DAEMON=[\"']?|[\w.-]+\s+(?:stream|dgram)\s+\S+\s+\S+\s+\S+\s+)?"
    r"(?P<cmd>[A-Za-z0-9_./+-]{1,200})"
)
_PLUMBING_WORDS = """sh bash dash ash busybox start-stop-daemon test [ echo printf cat sleep mkdir rm rmdir
    chmod chown ln touch mount umount grep egrep sed awk cut tr true false kill killall pidof pgrep logger
    date run-parts systemctl install id env nice ionice setsid chroot su runuser modprobe insmod rmmod
    sysctl udevadm ip hostname basename dirname readlink stty cp mv ls getty agetty mingetty login
    sulogin cttyhack ifconfig route expr head tail wc sort uniq xargs find which mktemp tee init
    telinit runlevel halt reboot poweroff shutdown update-rc.d invoke-rc.d service flock seq"""
# Daemons that run from boot but serve only the device itself (local log sockets, the kernel log,
# timers, device events): started at boot is not the same as reachable from the network.
_LOCAL_DAEMON_WORDS = """syslogd klogd rsyslogd syslog-ng logd crond cron atd anacron udevd systemd-udevd
    mdev watchdog acpid dbus-daemon hwclock hotplug"""
_PLUMBING = frozenset(_PLUMBING_WORDS.split()) | frozenset(_LOCAL_DAEMON_WORDS.split())


@dataclass
class Exposure:
    """How one program is reachable: the boot entries that start it, the ports it is declared on."""

    binary: ElfBinary
    started_by: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    ports: list[int] = field(default_factory=list)

    @property
    def listens(self) -> bool:
        return bool(self.ports)


def _resolve(view: FirmwareView, path: str) -> str:
    for _ in range(8):  # symlink chains are short; a loop is not followed forever
        entry = view.entry(path)
        if entry is None or entry.kind is not FileKind.SYMLINK or not entry.link:
            return path
        path = resolve_link(path, entry.link)
    return path


def _lookup(view: FirmwareView, name: str) -> str | None:
    """The image path of a bare command name, searched in the usual PATH directories."""
    for directory in _PATH_DIRS:
        candidate = f"{directory}/{name}"
        if view.entry(candidate) is not None:
            return candidate
    return None


def _referenced(view: FirmwareView, line: str) -> set[str]:
    """Program paths a boot line names (absolute paths, its command word), plumbing left out."""
    names = set(_ABSOLUTE.findall(line))
    match = _COMMAND.match(line.strip())
    if match and "/" not in match.group("cmd"):
        found = _lookup(view, match.group("cmd"))
        if found:
            names.add(found)
    return {n for n in names if n.rsplit("/", 1)[-1] not in _PLUMBING}


def network_facing(view: FirmwareView, services: list[tuple[str, int]]) -> dict[str, Exposure]:
    """ELF executables started at boot or declared on a port, by image path.

    ``services`` are the declaration's (name, port) pairs; empty without a declaration.
    """
    programs = {b.path: b for b in view.binaries if b.kind == "executable"}
    out: dict[str, Exposure] = {}
    for entry in view.boot_entries:
        for _number, line in entry.lines:
            for name in _referenced(view, line):
                target = _resolve(view, name)
                binary = programs.get(target)
                if binary is None:
                    continue
                exposure = out.setdefault(target, Exposure(binary))
                exposure.names.add(name.rsplit("/", 1)[-1])
                where = entry.via or entry.path
                if where not in exposure.started_by:
                    exposure.started_by.append(where)
    for service, port in services:
        base = service.strip().lower()
        for name in dict.fromkeys((base, base + "d", base.removesuffix("d"))):
            if not name or "/" in name:
                continue
            found = _lookup(view, name)
            program = _resolve(view, found) if found else None
            if program is None:
                program = next((p for p in programs if p.rsplit("/", 1)[-1] == name), None)
            if program is None or program not in programs:
                continue
            exposure = out.setdefault(program, Exposure(programs[program]))
            exposure.names.add(name)
            if port not in exposure.ports:
                exposure.ports.append(port)
            break
    return out

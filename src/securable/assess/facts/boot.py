"""What the image starts at boot: inittab, inetd/xinetd, SysV/OpenWrt/buildroot init scripts,
rc.local, systemd units and sockets (``*.wants`` links and serial-getty drop-ins) and ``@reboot``
cron lines. Each is a :class:`BootEntry` with the command lines a check can match against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from securable.assess.facts.image_io import children, config_lines, resolve_link
from securable.assess.model import FileKind, ImageView

_RC_DIRS = (
    "/etc/rc2.d",
    "/etc/rc3.d",
    "/etc/rc4.d",
    "/etc/rc5.d",
    "/etc/rcS.d",
    "/etc/rc.d/rc3.d",
    "/etc/rc.d/rc5.d",
    "/etc/rc.d/rcS.d",
    "/etc/rc.d",
)
_UNIT_DIRS = ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")
_RC_SCRIPTS = ("/etc/rc.local", "/etc/rc.d/rc.local", "/etc/init.d/rcS", "/etc/init.d/rc.local")
_CRONTABS = ("/etc/crontab",)
_KILL = re.compile(r"^\s*(kill|killall|pkill|start-stop-daemon\s+(-K|--stop))\b")


@dataclass(frozen=True)
class BootEntry:
    """Something started at boot. ``lines`` are (line number, text) in ``path``; ``via`` enabled it."""

    mechanism: str  # inittab, inetd, xinetd, sysv, rc, systemd, cron
    name: str
    path: str
    lines: tuple[tuple[int, str], ...]
    via: str = ""


def _script(image: ImageView, path: str, mechanism: str, name: str, via: str) -> BootEntry | None:
    lines = tuple((n, line) for n, line in config_lines(image, path) if not _KILL.match(line))
    if not lines and not image.exists(path):
        return None
    return BootEntry(mechanism, name, path, lines, via)


def _sysv(image: ImageView) -> list[BootEntry]:
    out: list[BootEntry] = []
    seen: set[str] = set()
    for directory in _RC_DIRS:
        for entry in children(image, directory):
            name = entry.path.rsplit("/", 1)[-1]
            if not re.match(r"S\d", name):
                continue
            script = (
                resolve_link(entry.path, entry.link)
                if entry.kind is FileKind.SYMLINK and entry.link
                else entry.path
            )
            if script in seen:
                continue
            seen.add(script)
            item = _script(image, script, "sysv", name, entry.path)
            if item:
                out.append(item)
    for entry in children(image, "/etc/init.d"):  # buildroot/busybox rcS runs /etc/init.d/S??* itself
        name = entry.path.rsplit("/", 1)[-1]
        if re.match(r"S\d\d", name) and entry.path not in seen:
            item = _script(image, entry.path, "sysv", name, entry.path)
            if item:
                out.append(item)
    for path in _RC_SCRIPTS:
        item = _script(image, path, "rc", path.rsplit("/", 1)[-1], path)
        if item and item.lines:
            out.append(item)
    return out


def _inittab(image: ImageView) -> list[BootEntry]:
    out = []
    for number, line in config_lines(image, "/etc/inittab"):
        fields = line.split(":", 3)
        if len(fields) == 4 and fields[2] not in ("initdefault", "ctrlaltdel", "shutdown", "restart"):
            out.append(BootEntry("inittab", fields[0] or "console", "/etc/inittab", ((number, line),)))
    return out


def _inetd(image: ImageView) -> list[BootEntry]:
    out = []
    for number, line in config_lines(image, "/etc/inetd.conf"):
        fields = line.split()
        if len(fields) >= 6:
            out.append(BootEntry("inetd", fields[0], "/etc/inetd.conf", ((number, line),)))
    for entry in [
        *children(image, "/etc/xinetd.d"),
        *([image.entry("/etc/xinetd.conf")] if image.exists("/etc/xinetd.conf") else []),
    ]:
        if entry is None:
            continue
        lines = list(config_lines(image, entry.path))
        block: list[tuple[int, str]] = []
        name = ""
        for number, line in [*lines, (0, "service __end__")]:
            if line.startswith("service "):
                if name and not any(re.match(r"disable\s*=\s*yes", t) for _, t in block):
                    out.append(BootEntry("xinetd", name, entry.path, (*block, (0, f"service {name}"))))
                name, block = line.split()[1], []
            else:
                block.append((number, line))
    return out


def _unit_file(image: ImageView, unit: str) -> str | None:
    template = re.sub(r"@[^.]*\.", "@.", unit)
    for candidate in (unit, template):
        for directory in _UNIT_DIRS:
            path = f"{directory}/{candidate}"
            entry = image.entry(path)
            if entry is None:
                continue
            if entry.kind is FileKind.SYMLINK and entry.link in ("/dev/null",):
                return None  # masked
            return path
    return None


def _unit_lines(image: ImageView, unit: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """(file, relevant lines) of a unit: its unit file first, then its drop-ins; empty if absent/masked."""
    path = _unit_file(image, unit)
    if path is None:
        return []
    wanted = ("Exec", "ListenStream", "ListenDatagram", "Accept")
    groups = [(path, [(n, t) for n, t in config_lines(image, path) if t.startswith(wanted)])]
    template = re.sub(r"@[^.]*\.", "@.", unit)
    for directory in _UNIT_DIRS:
        for name in sorted({unit, template}):
            for dropin in children(image, f"{directory}/{name}.d"):
                if dropin.path.endswith(".conf"):
                    lines = [(n, t) for n, t in config_lines(image, dropin.path) if t.startswith(wanted)]
                    groups.append((dropin.path, lines))
    return groups


def _systemd(image: ImageView) -> list[BootEntry]:
    out: list[BootEntry] = []
    units: dict[str, str] = {}
    for directory in _UNIT_DIRS:
        for wants in children(image, directory):
            if wants.path.endswith((".wants", ".requires")):
                for link in children(image, wants.path):
                    units.setdefault(link.path.rsplit("/", 1)[-1], link.path)
        for entry in children(image, directory):  # serial gettys are started by a generator
            name = entry.path.rsplit("/", 1)[-1]
            if name.startswith(("serial-getty@", "console-getty", "getty@")) and name.endswith(
                (".service", ".d")
            ):
                units.setdefault(name.removesuffix(".d"), entry.path)
    for unit, via in sorted(units.items()):
        groups = _unit_lines(image, unit)
        out.extend(BootEntry("systemd", unit, path, tuple(lines), via) for path, lines in groups)
        if groups and unit.endswith(".socket"):
            service = unit.removesuffix(".socket")
            for candidate in (f"{service}.service", f"{service}@.service"):
                svc = _unit_lines(image, candidate)
                out.extend(BootEntry("systemd", candidate, path, tuple(lines), via) for path, lines in svc)
                if svc:
                    break
    return out


def _cron(image: ImageView) -> list[BootEntry]:
    paths = list(_CRONTABS) + [e.path for e in children(image, "/etc/cron.d")]
    paths += [e.path for e in children(image, "/var/spool/cron/crontabs")]
    out = []
    for path in paths:
        for number, line in config_lines(image, path):
            if line.startswith("@reboot"):
                out.append(BootEntry("cron", "@reboot", path, ((number, line),)))
    return out


def read_boot_entries(image: ImageView) -> list[BootEntry]:
    """Everything the image starts at boot (use the cached ``FirmwareView.boot_entries``)."""
    return [*_inittab(image), *_inetd(image), *_sysv(image), *_systemd(image), *_cron(image)]


def has_init_configuration(image: ImageView) -> bool:
    """True when the image has any init configuration at all (else 'nothing at boot' proves nothing)."""
    return any(
        image.exists(p)
        for p in (
            "/etc/inittab",
            "/etc/init.d",
            "/etc/systemd/system",
            "/lib/systemd/system",
            "/usr/lib/systemd/system",
            "/etc/rc.d",
            "/etc/inetd.conf",
            "/sbin/init",
            "/etc/rc.local",
        )
    )

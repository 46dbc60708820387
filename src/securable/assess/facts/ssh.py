"""The image's SSH server: which one (OpenSSH, dropbear), how it is started, how it is configured.

One answer to "is there an SSH server?" for every check that asks. A server counts as present
when its program, its configuration or a boot line starting it is in the image:

* **OpenSSH** — ``/etc/ssh/sshd_config``, an ``sshd`` binary, or a boot entry running ``sshd``.
  Its configuration is parsed like ``sshd`` does: first value wins, ``Include`` expanded in place
  (globs, up to 8 levels), ``Match`` blocks kept apart as conditional settings.
* **dropbear** — a ``dropbear`` binary, ``/etc/dropbear``, ``/etc/default/dropbear``, OpenWrt's
  ``/etc/config/dropbear``, or a boot entry running ``dropbear``. Its configuration is its command
  line (``DROPBEAR_ARGS``/``DROPBEAR_EXTRA_ARGS`` and the boot lines that start it) plus the UCI
  options on OpenWrt.

A ``/etc/ssh`` holding only the client's ``ssh_config`` is not a server.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from securable.assess.facts.boot import BootEntry
from securable.assess.facts.image_io import config_lines
from securable.assess.model import ImageView

__all__ = [
    "DROPBEAR_DEFAULTS",
    "DROPBEAR_UCI",
    "HOST_KEY_GLOBS",
    "SSHD_CONFIG",
    "CommandLine",
    "Dropbear",
    "OpenSsh",
    "SshServer",
    "SshdSetting",
    "is_host_key_path",
    "read_ssh_server",
]

SSHD_CONFIG = "/etc/ssh/sshd_config"
DROPBEAR_DEFAULTS = "/etc/default/dropbear"
DROPBEAR_UCI = "/etc/config/dropbear"
OPENSSH_BINARIES = ("/usr/sbin/sshd", "/sbin/sshd", "/usr/bin/sshd")
DROPBEAR_BINARIES = (
    "/usr/sbin/dropbear",
    "/usr/bin/dropbear",
    "/sbin/dropbear",
    "/usr/sbin/dropbearmulti",
    "/usr/bin/dropbearmulti",
)
HOST_KEY_GLOBS = (
    "/etc/ssh/ssh_host_*key",
    "/etc/ssh/*host*_key",
    "/etc/dropbear/*host_key*",
    "/etc/dropbear/dropbear_*",
)
_SSHD = re.compile(r"(?:^|[\s/=\"'])sshd(?:\s|$|\")")
_DROPBEAR = re.compile(r"(?:^|[\s/=\"'])dropbear(?:\s|$|\")")
_UCI_OPTION = re.compile(r"option\s+(\w+)\s+'?\"?([^'\"]*)")
_MAX_INCLUDE_DEPTH = 8


def is_host_key_path(path: str) -> bool:
    """True for the paths where OpenSSH and dropbear keep their host private keys."""
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in HOST_KEY_GLOBS)


@dataclass(frozen=True)
class SshdSetting:
    """One ``sshd_config`` keyword's effective value (first word, lower case) and where it is set."""

    value: str
    path: str
    line: int


@dataclass(frozen=True)
class CommandLine:
    """A command line (or options line) that starts the server, and where it is."""

    path: str
    line: int
    text: str


@dataclass(frozen=True)
class OpenSsh:
    """OpenSSH as found in the image; ``settings`` are keyed by lower-case keyword."""

    config_path: str | None  # SSHD_CONFIG when the image has it
    binary: str | None
    started_by: tuple[CommandLine, ...]
    settings: Mapping[str, SshdSetting] = field(default_factory=dict)  # outside Match blocks
    conditional: Mapping[str, SshdSetting] = field(default_factory=dict)  # first value in a Match block


@dataclass(frozen=True)
class Dropbear:
    """dropbear as found in the image: its command lines and, on OpenWrt, its UCI options."""

    binary: str | None
    command_lines: tuple[CommandLine, ...]  # options files and boot lines running dropbear
    uci: Mapping[str, str] | None  # None when /etc/config/dropbear is absent or empty

    @property
    def configured(self) -> bool:
        """True when something says which options dropbear runs with."""
        return bool(self.command_lines) or self.uci is not None


@dataclass(frozen=True)
class SshServer:
    """The SSH servers of the image (at least one of the two is set)."""

    openssh: OpenSsh | None
    dropbear: Dropbear | None

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(
            name
            for name, part in (("openssh", self.openssh), ("dropbear", self.dropbear))
            if part is not None
        )


def _sshd_settings(image: ImageView) -> tuple[dict[str, SshdSetting], dict[str, SshdSetting]]:
    """keyword → setting outside and inside ``Match`` blocks; first value wins, Includes in place."""
    settings: dict[str, SshdSetting] = {}
    conditional: dict[str, SshdSetting] = {}

    def read(path: str, depth: int, in_match: bool) -> bool:
        for number, line in config_lines(image, path):
            parts = line.replace("=", " ", 1).split(None, 1)
            key, value = parts[0].lower(), (parts[1].strip() if len(parts) > 1 else "")
            if key == "match":
                in_match = value.lower() != "all"
                continue
            if key == "include" and depth < _MAX_INCLUDE_DEPTH:
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
            target.setdefault(key, SshdSetting(value.split()[0].lower() if value else "", path, number))
        return in_match

    read(SSHD_CONFIG, 0, False)
    return settings, conditional


def _started_by(entries: Iterable[BootEntry], pattern: re.Pattern[str]) -> tuple[CommandLine, ...]:
    return tuple(
        CommandLine(entry.path, number, line)
        for entry in entries
        for number, line in entry.lines
        if pattern.search(line) and not line.startswith(("#", "echo"))
    )


def _openssh(image: ImageView, boot: list[BootEntry]) -> OpenSsh | None:
    config = SSHD_CONFIG if image.exists(SSHD_CONFIG) else None
    binary = next((p for p in OPENSSH_BINARIES if image.exists(p)), None)
    started = _started_by(boot, _SSHD)
    if config is None and binary is None and not started:
        return None
    settings, conditional = _sshd_settings(image)
    return OpenSsh(config, binary, started, settings, conditional)


def _dropbear(image: ImageView, boot: list[BootEntry]) -> Dropbear | None:
    lines = [
        CommandLine(DROPBEAR_DEFAULTS, number, line.split("=", 1)[1].strip("\"' "))
        for number, line in config_lines(image, DROPBEAR_DEFAULTS)
        if line.startswith(("DROPBEAR_EXTRA_ARGS", "DROPBEAR_ARGS"))
    ]
    lines += _started_by(boot, _DROPBEAR)
    uci_lines = list(config_lines(image, DROPBEAR_UCI))
    uci = (
        {m.group(1): m.group(2) for _, opt in uci_lines if (m := _UCI_OPTION.match(opt))}
        if uci_lines
        else None
    )
    binary = next((p for p in DROPBEAR_BINARIES if image.exists(p)), None)
    present = (
        binary is not None
        or bool(lines)
        or any(image.exists(p) for p in ("/etc/dropbear", DROPBEAR_DEFAULTS, DROPBEAR_UCI))
    )
    return Dropbear(binary, tuple(lines), uci) if present else None


def read_ssh_server(image: ImageView, boot: list[BootEntry]) -> SshServer | None:
    """The image's SSH servers, or None when it has none (use ``FirmwareView.ssh_server``)."""
    openssh, dropbear = _openssh(image, boot), _dropbear(image, boot)
    if openssh is None and dropbear is None:
        return None
    return SshServer(openssh, dropbear)

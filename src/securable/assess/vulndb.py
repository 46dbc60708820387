"""Match an inventory against an offline folder of OSV vulnerability records (``--vulndb``).

Version order is per ecosystem, never plain string order:

* ``Debian`` records match Debian packages by **source** package name (how Debian publishes
  advisories); versions compare with python-debian's ``Version`` (epochs, ``~``, revisions). A
  release-specific ecosystem (``Debian:12``) only applies when the image's Debian release
  (``Inventory.debian_release``: ``/etc/debian_version`` first, never a derivative's own
  ``VERSION_ID``) is that release, or unknown — then every release's records apply, and the check
  says so rather than matching nothing.
* opkg packages match records of the ``OpenWrt`` or ``opkg`` ecosystem by package name. opkg's
  version comparison is dpkg's algorithm (epoch, upstream, revision; ``~`` sorts first), so the
  same ``Version`` class orders them.
* ``PyPI`` records match Python distributions by normalised name with ``packaging.version``.
* ``SEMVER`` ranges use Semantic Versioning 2.0 precedence (numeric core, then pre-release).

Ranges follow the OSV evaluation rule: events sorted by version; ``introduced`` turns affected on,
``fixed`` (at or above) and ``last_affected`` (above) turn it off; explicit ``versions`` also match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debian.debian_support import Version as DebianVersion
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion
from packaging.version import Version as PyPIVersion

from securable.assess.nvd import NvdDB, is_nvd_document, nvd_records
from securable.assess.sbom import Component, Inventory
from securable.errors import VulnDBError

__all__ = ["SkippedFile", "VulnDB", "VulnMatch"]

RECORD_LIMIT = 8 * 1024 * 1024
_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class SkippedFile:
    """A file of the vulnerability folder that gave no record, and why (reports name both)."""

    path: str
    reason: str


@dataclass(frozen=True)
class VulnMatch:
    component: Component
    id: str
    aliases: tuple[str, ...]
    summary: str
    fixed: tuple[str, ...]  # versions that fix it, where the record says


def _semver_key(version: str) -> tuple[Any, ...]:
    match = _SEMVER.match(version.strip())
    if not match:
        raise ValueError(version)
    core = tuple(int(g or 0) for g in match.groups()[:3])
    pre = match.group(4)
    if pre is None:
        return (*core, 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (*core, 0, parts)


def _debian_key(version: str) -> Any:
    return DebianVersion(version)


def _pypi_key(version: str) -> Any:
    try:
        return PyPIVersion(version)
    except InvalidVersion as exc:
        raise ValueError(version) from exc


def _family(ecosystem: str) -> str:
    return ecosystem.split(":", 1)[0].lower()


class VulnDB:
    """OSV records from a folder (searched recursively for ``*.json``), indexed by ecosystem and name;
    NVD CVE JSON 2.0 files of the same folder go to :attr:`nvd` (see :mod:`securable.assess.nvd`)."""

    def __init__(
        self,
        records: Iterable[dict[str, Any]],
        skipped: Iterable[SkippedFile] = (),
        nvd: NvdDB | None = None,
    ) -> None:
        self._index: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        self.skipped = list(skipped)
        self.nvd = nvd if nvd is not None else NvdDB()
        self.count = 0
        for record in records:
            self.count += 1
            for affected in record.get("affected") or []:
                package = affected.get("package") or {}
                family, name = _family(str(package.get("ecosystem", ""))), str(package.get("name", ""))
                if family == "pypi":
                    name = canonicalize_name(name)
                self._index.setdefault((family, name), []).append((record, affected))

    @classmethod
    def load(cls, folder: Path) -> VulnDB:
        """Read every OSV JSON record below ``folder``; each file that gives none goes to ``skipped``
        with the reason, so a folder of malformed files is visibly not a clean bill of health."""
        if not folder.is_dir():
            raise VulnDBError(
                f"vulnerability folder {folder} does not exist or is not a directory",
                diagnostics="pass --vulndb a folder of OSV JSON records and/or NVD CVE JSON 2.0 files",
            )
        records: list[dict[str, Any]] = []
        skipped: list[SkippedFile] = []
        nvd = NvdDB()
        for path in sorted(folder.rglob("*.json")):
            doc, why = _read_json(path)
            if why:
                skipped.append(SkippedFile(str(path), why))
                continue
            if is_nvd_document(doc):
                for cve in nvd_records(doc):
                    nvd.add(cve)
                continue
            docs = doc if isinstance(doc, list) else [doc]
            usable = [
                item
                for item in docs
                if isinstance(item, dict) and "id" in item and isinstance(item.get("affected"), list)
            ]
            records.extend(usable)
            if len(usable) < len(docs):
                skipped.append(
                    SkippedFile(
                        str(path),
                        "not an OSV record (needs an 'id' and an 'affected' list) nor an NVD CVE 2.0 file"
                        if len(docs) == 1
                        else f"{len(docs) - len(usable)} of {len(docs)} entries are not OSV records",
                    )
                )
        return cls(records, skipped, nvd)

    def match(self, inv: Inventory) -> list[VulnMatch]:
        """Every (component, vulnerability) pair where the installed version is affected."""
        out: list[VulnMatch] = []
        release, _source = inv.debian_release
        for comp in inv.components:
            out.extend(self.match_component(comp, release if comp.ecosystem == "deb" else inv.os_version))
        return out

    def match_component(self, comp: Component, os_version: str = "") -> list[VulnMatch]:
        if comp.ecosystem == "deb":
            keys, version, order = (
                [("debian", comp.source_name)],
                comp.source_version or comp.version,
                _debian_key,
            )
        elif comp.ecosystem == "opkg":
            keys, version, order = [("openwrt", comp.name), ("opkg", comp.name)], comp.version, _debian_key
        else:
            keys, version, order = [("pypi", canonicalize_name(comp.name))], comp.version, _pypi_key
        out: list[VulnMatch] = []
        for key in keys:
            for record, affected in self._index.get(key, []):
                ecosystem = str((affected.get("package") or {}).get("ecosystem", ""))
                if ":" in ecosystem and os_version and ecosystem.split(":", 1)[1] != os_version:
                    continue
                if _affected(version, affected, order):
                    fixed = tuple(
                        e["fixed"]
                        for r in affected.get("ranges") or []
                        for e in r.get("events") or []
                        if "fixed" in e
                    )
                    out.append(
                        VulnMatch(
                            component=comp,
                            id=str(record["id"]),
                            aliases=tuple(str(a) for a in record.get("aliases") or []),
                            summary=str(record.get("summary") or record.get("details", ""))[:300],
                            fixed=fixed,
                        )
                    )
        return out


def _read_json(path: Path) -> tuple[Any, str]:
    """The parsed JSON of ``path`` and "", or None and why it cannot be used."""
    try:
        if not path.is_file():
            return None, "not a regular file"
        size = path.stat().st_size
        if size > RECORD_LIMIT:
            return None, f"larger than {RECORD_LIMIT // (1024 * 1024)} MiB"
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or exc})"
    try:
        return json.loads(text), ""
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"


def _affected(version: str, affected: dict[str, Any], order: Callable[[str], Any]) -> bool:
    if version in (affected.get("versions") or []):
        return True
    try:
        current = order(version)
    except ValueError:
        return False
    for rng in affected.get("ranges") or []:
        kind = rng.get("type")
        if kind not in ("ECOSYSTEM", "SEMVER"):
            continue  # GIT ranges name commits, not versions
        key = _semver_key if kind == "SEMVER" else order
        if kind == "SEMVER":
            try:
                current_r = _semver_key(version)
            except ValueError:
                continue
        else:
            current_r = current
        if _in_range(current_r, rng.get("events") or [], key):
            return True
    return False


def _in_range(current: Any, events: list[dict[str, str]], key: Callable[[str], Any]) -> bool:
    parsed: list[tuple[Any, str]] = []
    for event in events:
        for kind in ("introduced", "fixed", "last_affected"):
            if kind in event:
                value = event[kind]
                if kind == "introduced" and value == "0":
                    parsed.append((None, kind))
                else:
                    try:
                        parsed.append((key(value), kind))
                    except ValueError:
                        return False
    parsed.sort(key=lambda item: (False, 0) if item[0] is None else (True, item[0]))
    affected = False
    for bound, kind in parsed:
        if kind == "introduced" and (bound is None or current >= bound):
            affected = True
        elif (kind == "fixed" and current >= bound) or (kind == "last_affected" and current > bound):
            affected = False
    return affected

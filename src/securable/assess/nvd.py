"""Match components identified from binaries against offline NVD CVE JSON 2.0 records.

``--vulndb`` may hold NVD files next to OSV records: an NVD API response or data feed
(``{"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [{"cve": {...}}]}``), or one CVE
object (``{"id": "CVE-…", "configurations": [...]}``). Matching is deliberately narrow, because
the well-known failure of binary scanners is the false alarm:

* a component is matched only by the **exact** CPE ``vendor:product`` pairs its data file names
  (``thekelleys:dnsmasq``, never "any product called dnsmasq"), and the CPE part must agree
  (``o`` for the Linux kernel, ``a`` for applications);
* only ``cpeMatch`` entries marked ``vulnerable`` count; a criteria with a fixed version matches
  that version, ``*`` with ``versionStart…``/``versionEnd…`` bounds the range; a criteria with
  neither a version nor a bound ("every version") is reported but kept apart, as it says nothing
  about this release;
* versions compare in the component's own order (:mod:`securable.assess.versions`: OpenSSL's
  letter suffixes, OpenSSH's ``p1``, release candidates before releases);
* a component whose version could not be read is never matched: it is listed as "version
  unknown".

Configurations joined by ``AND`` (an application *running on* some platform) are matched on the
component's own entry; the platform condition is not evaluated, and the match says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from securable.assess.facts.binaries import BinaryComponent
from securable.assess.versions import UpstreamVersion

__all__ = ["NvdDB", "NvdMatch", "is_nvd_document", "nvd_records"]

_BOUNDS = ("versionStartIncluding", "versionStartExcluding", "versionEndIncluding", "versionEndExcluding")


@dataclass(frozen=True)
class NvdMatch:
    """One component affected by one CVE: the record, the range that matched, how we know."""

    component: BinaryComponent
    cve: str
    criteria: str
    range: dict[str, str]  # the bounds of the matching cpeMatch entry ({} for an exact version)
    summary: str
    platform_condition: bool  # the record's configuration also names a platform (not evaluated)

    def range_text(self) -> str:
        if not self.range:
            return f"version {self.criteria.split(':')[5]} exactly"
        words = {
            "versionStartIncluding": ">=",
            "versionStartExcluding": ">",
            "versionEndIncluding": "<=",
            "versionEndExcluding": "<",
        }
        return ", ".join(f"{words[k]} {v}" for k, v in self.range.items())


def is_nvd_document(doc: Any) -> bool:
    """True for an NVD CVE 2.0 file: a feed/API response, or one CVE object."""
    if not isinstance(doc, dict):
        return False
    if doc.get("format") == "NVD_CVE" and isinstance(doc.get("vulnerabilities"), list):
        return True
    return str(doc.get("id", "")).startswith("CVE-") and isinstance(doc.get("configurations"), list)


def nvd_records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The CVE objects of one NVD document (see :func:`is_nvd_document`)."""
    if "vulnerabilities" in doc:
        return [
            item["cve"]
            for item in doc["vulnerabilities"]
            if isinstance(item, dict) and isinstance(item.get("cve"), dict) and "id" in item["cve"]
        ]
    return [doc]


def _cpe_parts(criteria: str) -> list[str] | None:
    parts = criteria.split(":")
    if len(parts) < 6 or parts[0] != "cpe" or parts[1] != "2.3":
        return None
    return parts


def _summary(cve: dict[str, Any]) -> str:
    for item in cve.get("descriptions") or []:
        if isinstance(item, dict) and item.get("lang") == "en":
            return str(item.get("value", ""))[:300]
    return ""


class NvdDB:
    """NVD CVE records indexed by ``(part, vendor, product)`` of their vulnerable cpeMatch entries."""

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self._index: dict[tuple[str, str, str], list[tuple[dict[str, Any], dict[str, Any], bool]]] = {}
        self.count = 0
        for cve in records:
            self.add(cve)

    def add(self, cve: dict[str, Any]) -> None:
        self.count += 1
        for config in cve.get("configurations") or []:
            if not isinstance(config, dict):
                continue
            nodes = [n for n in config.get("nodes") or [] if isinstance(n, dict)]
            platform = config.get("operator") == "AND" or len(nodes) > 1
            for node in nodes:
                if node.get("negate"):
                    continue
                for entry in node.get("cpeMatch") or []:
                    if not isinstance(entry, dict) or entry.get("vulnerable") is not True:
                        continue
                    parts = _cpe_parts(str(entry.get("criteria", "")))
                    if parts is None:
                        continue
                    self._index.setdefault((parts[2], parts[3], parts[4]), []).append((cve, entry, platform))

    def match(self, components: Iterable[BinaryComponent]) -> list[NvdMatch]:
        """Every (component, CVE) pair where the component's version is in a vulnerable range."""
        out: list[NvdMatch] = []
        for comp in components:
            out.extend(self.match_component(comp))
        return out

    def match_component(self, comp: BinaryComponent) -> list[NvdMatch]:
        if comp.version is None:
            return []
        try:
            version = UpstreamVersion(comp.version)
        except ValueError:
            return []
        out: list[NvdMatch] = []
        seen: set[str] = set()
        for vendor_product in comp.signature.cpe:
            vendor, _, product = vendor_product.partition(":")
            for cve, entry, platform in self._index.get((comp.signature.cpe_part, vendor, product), []):
                cve_id = str(cve.get("id", ""))
                if cve_id in seen:
                    continue
                bounds = {k: str(entry[k]) for k in _BOUNDS if k in entry}
                if _affected(version, str(entry["criteria"]), bounds):
                    seen.add(cve_id)
                    out.append(
                        NvdMatch(comp, cve_id, str(entry["criteria"]), bounds, _summary(cve), platform)
                    )
        return out


def _affected(version: UpstreamVersion, criteria: str, bounds: dict[str, str]) -> bool:
    fixed = criteria.split(":")[5]
    if fixed not in ("*", "-", ""):
        if bounds:
            return False  # NVD never combines the two; refuse to guess
        try:
            return version == UpstreamVersion(fixed.replace("\\", ""))
        except ValueError:
            return False
    if not bounds:
        return False  # "every version": no statement about this release
    try:
        limits = {k: UpstreamVersion(v) for k, v in bounds.items()}
    except ValueError:
        return False
    checks = {
        "versionStartIncluding": lambda b: version >= b,
        "versionStartExcluding": lambda b: version > b,
        "versionEndIncluding": lambda b: version <= b,
        "versionEndExcluding": lambda b: version < b,
    }
    return all(checks[k](b) for k, b in limits.items())

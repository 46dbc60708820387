"""A finding's fingerprint: the same problem gets the same short ID in every run and release.

Decisions (``decisions.yaml``), ``securable diff`` and SARIF ``baselineState`` match findings across
runs by this ID, so it must not move when nothing about the problem moved. It is a SHA-256 over:

* the check id;
* the location without the line number and without the host address (a line shifts when a file
  is edited elsewhere; the device's address differs between lab runs): path, port, service, field;
* a normalised *evidence key*: only the evidence fields that name *what* was found (an account,
  a component, a vulnerability ID, a service, a URL…), never counts, versions, timings or the
  message text, which change wording between releases.

Findings of one report that share all of these (a check that reports the same thing twice) are told
apart by an occurrence suffix (``…:2``) in report order, see :func:`fingerprints`.

It works on the report's JSON form so that reports written by an older securable, which carry no
fingerprints, can still be compared.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["EVIDENCE_KEYS", "fingerprint", "fingerprints"]

FINGERPRINT_VERSION = "v1"
#: Evidence fields that identify what a finding is about (see the module docstring).
EVIDENCE_KEYS = (
    "account",
    "component",
    "console",
    "mechanism",
    "scheme",
    "service",
    "source_package",
    "url",
    "vulnerability",
)
_LOCATION_KEYS = ("path", "port", "service", "field")


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list | tuple):
        return sorted((_norm(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, Mapping):
        return {str(k): _norm(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return value


def _as_json(finding: Any) -> Mapping[str, Any]:
    if isinstance(finding, Mapping):
        return finding
    data: Mapping[str, Any] = finding.to_json()
    return data


def fingerprint(finding: Any) -> str:
    """The base fingerprint of one finding (a :class:`~securable.assess.model.Finding` or its JSON)."""
    data = _as_json(finding)
    location = data.get("location") or {}
    evidence = data.get("evidence") or {}
    key = {
        "check": str(data.get("check", "")),
        "location": {k: _norm(location[k]) for k in _LOCATION_KEYS if location.get(k) is not None},
        "evidence": {k: _norm(evidence[k]) for k in EVIDENCE_KEYS if evidence.get(k) is not None},
    }
    canonical = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{FINGERPRINT_VERSION}:{digest[:32]}"


def fingerprints(findings: Iterable[Any]) -> list[str]:
    """Fingerprints of a report's findings in order; repeats get ``:2``, ``:3``… (first has none)."""
    seen: Counter[str] = Counter()
    out: list[str] = []
    for finding in findings:
        base = fingerprint(finding)
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return out

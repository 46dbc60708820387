"""What the two certificate checks share: the device's own certificates apart from trust stores,
and the trust stores summarised per file."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from securable.assess.facts.certificates import Certificate

__all__ = ["own_certificates", "trust_store_summary"]


def own_certificates(certificates: list[Certificate]) -> list[Certificate]:
    """Certificates outside trust stores: the ones the manufacturer put there for the device."""
    return [c for c in certificates if not c.trust_store]


def trust_store_summary(certificates: list[Certificate], now: dt.datetime) -> list[dict[str, Any]]:
    """One line per trust store: how many roots, how many expired or weak, the earliest expiry."""
    stores: dict[str, list[Certificate]] = defaultdict(list)
    for cert in certificates:
        if cert.trust_store:
            stores[cert.path].append(cert)
    return [
        {
            "path": path,
            "certificates": len(certs),
            "expired": sum(c.expired(now) for c in certs),
            "weak": sum(bool(c.weaknesses()) for c in certs),
            "earliest_expiry": min(c.not_after for c in certs).date().isoformat(),
        }
        for path, certs in sorted(stores.items())
    ]

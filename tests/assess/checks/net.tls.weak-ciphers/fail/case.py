"""The TLS service accepts static-RSA key exchange (no forward secrecy)."""

from __future__ import annotations

import ssl
from pathlib import Path

from tests.assess.checks._fixtures import Case
from tests.assess.network.scripted import Banners, Ports, ProbeSet, Tls, accepts_versions, host

from securable.assess.targets.host import TlsHandshake


def build(tmp: Path) -> Case:
    modern = accepts_versions("TLSv1.2", "TLSv1.3")

    def answer(version: ssl.TLSVersion | None, ciphers: str | None) -> TlsHandshake:
        if ciphers is not None and ciphers.startswith("kRSA"):
            return TlsHandshake(accepted=True, version="TLSv1.2", cipher="AES128-GCM-SHA256", bits=128)
        return modern(version, ciphers)

    probe = ProbeSet(scanner=Ports({8443}), stream=Banners(), tls=Tls({8443: answer}))
    return Case(target=host(probe, [8443]))

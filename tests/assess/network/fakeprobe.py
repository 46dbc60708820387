"""A scripted :class:`~securable.assess.targets.host.Probe` for fast tests of check logic.

Each behaviour is a dict keyed by port; anything not scripted behaves like a closed port (the
seams it does not script come from :class:`~securable.assess.targets.host.probe.Silent`). Every
check using it also has a test against a real peer.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from securable.assess.targets.host import HttpResponse, SshAuthMethods, TlsHandshake
from securable.assess.targets.host.probe import Silent


@dataclass
class FakeProbe(Silent):
    open: set[int] = field(default_factory=set)
    banners: dict[int, bytes] = field(default_factory=dict)
    replies: dict[tuple[int, bytes], bytes] = field(default_factory=dict)
    tls: dict[int, TlsHandshake] = field(default_factory=dict)
    http_pages: dict[tuple[int, str], HttpResponse] = field(default_factory=dict)
    audits: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    ssh_users: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)

    def scan(self, address: str, ports: Sequence[int]) -> list[int]:
        return sorted(self.open & set(ports))

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None:
        if port not in self.open:
            return None
        return self.replies.get((port, send), b"") if send else self.banners.get(port, b"")

    def tls_handshake(
        self, address: str, port: int, *, version: ssl.TLSVersion | None = None, ciphers: str | None = None
    ) -> TlsHandshake:
        return self.tls.get(port, TlsHandshake(accepted=False, error="no tls"))

    def http(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        tls: bool,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None:
        return self.http_pages.get((port, path))

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None:
        return self.audits.get(port)

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None:
        return SshAuthMethods(False, ("password",)) if port in self.ssh_users else None

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None:
        self.calls.append(("ssh_login", port))
        users = self.ssh_users.get(port)
        return None if users is None else (username, password) in users

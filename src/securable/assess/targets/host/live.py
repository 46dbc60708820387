"""The live device as an assessment target, and the facts about it that several checks share.

A fact (open ports, the service on each, the TLS and SSH services, the HTTP logins) is computed
once per host and then read by every check that needs it. The engine runs checks on several
threads, so each fact and each memo key has its *own* lock: a check waiting for the HTTP login
discovery of one port (dozens of requests) does not hold up a check that needs the SSH services.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType
from typing import Any, TypeVar

from securable.assess import netscan
from securable.assess.credentials import load_default_credentials
from securable.assess.facts._memo import fact
from securable.assess.model import Location, TargetKind
from securable.assess.targets.host.address import check_loopback
from securable.assess.targets.host.declared import PORT_KINDS, DeclaredInterface
from securable.assess.targets.host.http_login import (
    HttpService,
    LoginSurface,
    find_login,
    listed_api_paths,
    openapi_paths,
    try_login,
)
from securable.assess.targets.host.identify import ServiceInfo, identify
from securable.assess.targets.host.probe import Probe
from securable.assess.targets.host.socket_probe import SocketProbe
from securable.errors import UsageError

__all__ = ["DEFAULT_PORTS", "HTTP_SERVICES", "LiveHost"]

T = TypeVar("T")

DEFAULT_PORTS: tuple[int, ...] = (
    21,
    22,
    23,
    80,
    443,
    554,
    1883,
    2323,
    5000,
    8000,
    8080,
    8081,
    8443,
    8883,
    9000,
)
"""Ports looked at when neither the user nor the declaration names any: the usual IoT services."""

HTTP_SERVICES = frozenset({"http", "https"})
"""Service names that speak HTTP (and so may show a login)."""


class LiveHost:
    """A device on loopback, the ports to assess, and its declared interfaces.

    ``ports``: the ports to look at (the user's list; without one, the declared ports plus
    :data:`DEFAULT_PORTS`). ``probe``: every exchange with the device (default: the real
    :class:`SocketProbe`; tests pass a :class:`~securable.assess.targets.host.probe.ProbeSet` of
    scripted seams). ``credentials``: (user, password) pairs for the default-credential check,
    normally the shipped list; ``attempt_budget``: at most that many login attempts per service.
    ``http_paths``: the API paths to probe instead of the shipped list.
    """

    kind = TargetKind.HOST
    IDENTIFY_WORKERS = 8

    def __init__(
        self,
        address: str,
        ports: Iterable[int] | str | None = None,
        declared_interfaces: Iterable[Any] | None = None,
        *,
        probe: Probe | None = None,
        credentials: Iterable[tuple[str, str]] | None = None,
        attempt_budget: int = 10,
        http_paths: Iterable[str] | None = None,
        timeout: float = 3.0,
    ) -> None:
        self.address = check_loopback(address)
        self.declared: tuple[DeclaredInterface, ...] | None = (
            None
            if declared_interfaces is None
            else tuple(DeclaredInterface.coerce(d) for d in declared_interfaces)
        )
        if ports is None:
            declared_ports = {d.port for d in self.declared or () if d.port is not None}
            self.ports: tuple[int, ...] = tuple(sorted(declared_ports | set(DEFAULT_PORTS)))
        else:
            self.ports = tuple(netscan.parse_ports(ports))
        if attempt_budget < 1:
            raise UsageError(
                f"attempt budget {attempt_budget} is below 1",
                diagnostics="allow at least 1 login attempt per service",
            )
        self.probe: Probe = probe if probe is not None else SocketProbe(timeout=timeout)
        self._credentials = None if credentials is None else tuple((str(u), str(p)) for u, p in credentials)
        self.attempt_budget = attempt_budget
        self.http_paths = None if http_paths is None else tuple(http_paths)
        self._memo: dict[str, object] = {}
        self._memo_locks: dict[str, threading.Lock] = {}
        self._memo_guard = threading.Lock()  # held only to find a key's lock, never while computing

    @property
    def ref(self) -> str:
        return self.address

    def __repr__(self) -> str:
        return f"LiveHost({self.address!r}, ports={len(self.ports)})"

    # --- computing once -------------------------------------------------------------------------

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute ``key`` once for this host; later callers, in any thread, get the stored result.

        Each key has its own lock, so a slow computation (the login discovery of one HTTP port)
        blocks only the callers that want the same key.
        """
        with self._memo_guard:
            if key in self._memo:
                return self._memo[key]  # type: ignore[return-value]
            lock = self._memo_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[return-value]

    # --- facts: ports and services ---------------------------------------------------------------

    @fact
    def open_tcp_ports(self) -> tuple[int, ...]:
        """The assessed ports that accept a TCP connection, ascending (one sweep per host)."""
        return tuple(sorted(self.probe.scan(self.address, self.ports)))

    def open_ports(self) -> list[int]:
        return list(self.open_tcp_ports)

    def service(self, port: int) -> ServiceInfo:
        """What runs on ``port``, identified once."""
        return self.memo(f"service:{port}", lambda: identify(self.probe, self.address, port))

    @fact
    def identified_services(self) -> tuple[ServiceInfo, ...]:
        """Every open port identified. Ports are identified side by side (each waits on its own
        timeouts), at most :attr:`IDENTIFY_WORKERS` at a time."""
        ports = self.open_tcp_ports
        if len(ports) > 1:
            with ThreadPoolExecutor(max_workers=min(self.IDENTIFY_WORKERS, len(ports))) as pool:
                return tuple(pool.map(self.service, ports))
        return tuple(self.service(p) for p in ports)

    def services(self) -> list[ServiceInfo]:
        return list(self.identified_services)

    @fact
    def tls_services(self) -> tuple[ServiceInfo, ...]:
        """Services that speak TLS: HTTPS, MQTT over TLS, and TLS whose inner protocol is unknown."""
        return tuple(s for s in self.identified_services if s.tls)

    @fact
    def ssh_services(self) -> tuple[ServiceInfo, ...]:
        return tuple(s for s in self.identified_services if s.service == "ssh")

    @fact
    def http_services(self) -> tuple[ServiceInfo, ...]:
        """Services that answered HTTP, with or without TLS."""
        return tuple(s for s in self.identified_services if s.service in HTTP_SERVICES)

    # --- facts: HTTP logins ------------------------------------------------------------------------

    def http(self, svc: ServiceInfo) -> HttpService:
        """The HTTP seam bound to one service of this host."""
        return HttpService(self.probe, self.address, svc.port, svc.tls)

    @fact
    def listed_api_paths(self) -> tuple[str, ...]:
        """The API paths to probe: the caller's, else the shipped list."""
        return self.http_paths if self.http_paths is not None else listed_api_paths()

    def api_paths(self, svc: ServiceInfo) -> tuple[str, ...]:
        """The listed API paths plus the GET routes of the service's OpenAPI document, no repeats."""
        published = self.memo(f"openapi:{svc.port}", lambda: openapi_paths(self.http(svc)))
        return tuple(dict.fromkeys([*self.listed_api_paths, *published]))

    def login_form(self, svc: ServiceInfo) -> LoginSurface | None:
        """The login one HTTP service asks for at ``/``, ``/login`` or a listed API path (once)."""
        return self.memo(f"http-login:{svc.port}", lambda: find_login(self.http(svc), self.listed_api_paths))

    @fact
    def login_forms(self) -> Mapping[int, LoginSurface]:
        """Port → login surface of every HTTP(S) service that asks for credentials."""
        found = {s.port: self.login_form(s) for s in self.http_services}
        return MappingProxyType({port: surface for port, surface in found.items() if surface is not None})

    def try_http_login(
        self, svc: ServiceInfo, surface: LoginSurface, user: str, password: str
    ) -> bool | None:
        """One login attempt at ``surface``: True got in, False refused, None no answer."""
        return try_login(self.http(svc), surface, user, password)

    # --- declaration and findings ---------------------------------------------------------------

    def declared_for(self, port: int) -> DeclaredInterface | None:
        for d in self.declared or ():
            if d.port == port and d.kind in PORT_KINDS:
                return d
        return None

    def location(self, port: int, service: str | None = None) -> Location:
        return Location(host=self.address, port=port, service=service or self.service(port).service)

    def credentials(self) -> tuple[tuple[str, str], ...]:
        """The pairs to try: the caller's, else the shipped default-credential list."""
        return self.memo("credentials", self._credential_pairs)

    def _credential_pairs(self) -> tuple[tuple[str, str], ...]:
        return self._credentials if self._credentials is not None else load_default_credentials()

"""The live device as an assessment target, and the facts about it that several checks share.

A fact (open ports, the service on each, the TLS and SSH services, the HTTP logins) is computed
once per host and then read by every check that needs it. The engine runs checks on several
threads, so each fact and each memo key has its *own* lock: a check waiting for the HTTP login
discovery of one port (dozens of requests) does not hold up a check that needs the SSH services.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType
from typing import Any, TypeVar

from securable.assess import netscan
from securable.assess.credentials import load_default_credentials
from securable.assess.facts._memo import fact
from securable.assess.model import Location, TargetKind
from securable.assess.targets.host.address import ProbeOrigin, probe_origin, resolve_host
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
from securable.assess.targets.host.probe import MdnsService, Probe
from securable.assess.targets.host.socket_probe import FIRST_PORTS, SocketProbe
from securable.assess.targets.host.upnp import UpnpDevice, discover_upnp
from securable.errors import UsageError

__all__ = ["DEFAULT_PORTS", "HTTP_SERVICES", "TARPIT_MIN_OPEN", "LiveHost"]

T = TypeVar("T")

DEFAULT_PORTS: tuple[int, ...] = FIRST_PORTS
"""The usual IoT service ports: swept first (so a silent host is given up on quickly), and the
only ports identified on a host that accepts every connection (a tar-pit)."""

TARPIT_MIN_OPEN = 512
"""A host with at least this many open TCP ports, nine in ten of those swept, accepts everything:
its open ports say nothing about the services behind them."""

HTTP_SERVICES = frozenset({"http", "https"})
"""Service names that speak HTTP (and so may show a login)."""


class LiveHost:
    """A device on the network, the ports to assess, and its declared interfaces.

    ``address``: an IPv4 or IPv6 address or a host name (see
    :func:`~securable.assess.targets.host.address.resolve_host`). ``ports``: the ports to look at
    — a ``--ports`` text (``"tcp:1-65535,udp:161,5683"``), a :class:`~securable.assess.netscan.PortSpec`,
    or TCP port numbers; without one, every TCP port plus the usual IoT UDP ports and the declared
    ones. ``udp_ports`` replaces the UDP part. ``probe``: every exchange with the device (default:
    the real :class:`SocketProbe`; tests pass a :class:`~securable.assess.targets.host.probe.ProbeSet`
    of scripted seams). ``credentials``: (user, password) pairs for the default-credential check,
    normally the shipped list; ``attempt_budget``: at most that many login attempts per service;
    ``login_attempts=False`` makes none at all (nor any other step that could change the device's
    state). ``concurrency`` and ``rate``: connections in flight and started per second.
    ``http_paths``: the API paths to probe instead of the shipped list.
    """

    kind = TargetKind.HOST
    IDENTIFY_WORKERS = 8

    def __init__(
        self,
        address: str,
        ports: Iterable[int] | str | netscan.PortSpec | None = None,
        declared_interfaces: Iterable[Any] | None = None,
        *,
        probe: Probe | None = None,
        credentials: Iterable[tuple[str, str]] | None = None,
        attempt_budget: int = 10,
        http_paths: Iterable[str] | None = None,
        timeout: float = 3.0,
        udp_ports: Iterable[int] | None = None,
        login_attempts: bool = True,
        concurrency: int = netscan.DEFAULT_HOST_LIMIT,
        rate: float | None = netscan.DEFAULT_RATE,
    ) -> None:
        self.resolved = resolve_host(address)
        self.address = self.resolved.address
        self.declared: tuple[DeclaredInterface, ...] | None = (
            None
            if declared_interfaces is None
            else tuple(DeclaredInterface.coerce(d) for d in declared_interfaces)
        )
        if ports is None:
            declared_udp = {
                d.port for d in self.declared or () if d.port is not None and d.transport == "udp"
            }
            spec = netscan.PortSpec(udp=tuple(sorted(set(netscan.DEFAULT_UDP_PORTS) | declared_udp)))
        elif isinstance(ports, netscan.PortSpec):
            spec = ports
        elif isinstance(ports, str):
            spec = netscan.parse_port_spec(ports)
        else:
            spec = netscan.PortSpec(tuple(netscan.parse_ports(ports)), ())
        if udp_ports is not None:
            spec = netscan.PortSpec(spec.tcp, tuple(netscan.parse_ports(udp_ports)) if udp_ports else ())
        self.port_spec = spec
        self.ports: tuple[int, ...] = spec.tcp
        self.udp_ports: tuple[int, ...] = spec.udp
        if attempt_budget < 1:
            raise UsageError(
                f"attempt budget {attempt_budget} is below 1",
                diagnostics="allow at least 1 login attempt per service, or switch them off",
            )
        netscan.check_bounds(concurrency, rate, timeout)
        self.concurrency = concurrency
        self.rate = rate
        self.probe: Probe = (
            probe
            if probe is not None
            else SocketProbe(timeout=timeout, scan_limit=concurrency, scan_rate=rate)
        )
        self._credentials = None if credentials is None else tuple((str(u), str(p)) for u, p in credentials)
        self.attempt_budget = attempt_budget
        self.login_attempts = login_attempts
        self.http_paths = None if http_paths is None else tuple(http_paths)
        self._memo: dict[str, object] = {}
        self._memo_locks: dict[str, threading.Lock] = {}
        self._memo_guard = threading.Lock()  # held only to find a key's lock, never while computing
        self._first_probe: dt.datetime | None = None

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

    def _mark_probing(self) -> None:
        if self._first_probe is None:
            self._first_probe = dt.datetime.now(dt.UTC)

    @fact
    def origin(self) -> ProbeOrigin:
        """Where the probes leave from: the local address and interface the route picks."""
        return probe_origin(self.address)

    @fact
    def open_tcp_ports(self) -> tuple[int, ...]:
        """The assessed ports that accept a TCP connection, ascending (one sweep per host)."""
        self._mark_probing()
        return tuple(sorted(self.probe.scan(self.address, self.ports)))

    def open_ports(self) -> list[int]:
        return list(self.open_tcp_ports)

    @fact
    def sweep_result(self) -> netscan.SweepResult | None:
        """Every swept TCP port's state, where the scanner seam keeps them (the real one does)."""
        _ = self.open_tcp_ports
        details = getattr(self.probe, "sweep_details", None)
        return details(self.address) if callable(details) else None

    @fact
    def udp_states(self) -> Mapping[int, str]:
        """UDP port → ``open`` | ``open|filtered`` | ``closed`` | ``unreachable``, for the assessed ones."""
        if not self.udp_ports:
            return MappingProxyType({})
        self._mark_probing()
        return MappingProxyType(dict(self.probe.udp_scan(self.address, self.udp_ports)))

    def udp_state(self, port: int) -> str | None:
        """One UDP port's state; None when the port is not assessed."""
        return self.udp_states.get(port) if port in self.udp_ports else None

    @fact
    def answered(self) -> bool | None:
        """Did the host answer anything (a TCP connection or reset, a UDP reply or ICMP error)?
        None when the scanner seam cannot tell a closed port from an unanswered one."""
        if self.open_tcp_ports or any(s in ("open", "closed") for s in self.udp_states.values()):
            return True
        sweep = self.sweep_result
        return None if sweep is None else sweep.answered

    @fact
    def tarpit(self) -> bool:
        """Does the host accept a connection on (nearly) every port swept? Then open ports say
        nothing, and only the declared and the usual IoT ports are identified."""
        opened = len(self.open_tcp_ports)
        return opened >= TARPIT_MIN_OPEN and opened * 10 >= len(self.ports) * 9

    @fact
    def assessable_ports(self) -> tuple[int, ...]:
        """The open TCP ports whose services are identified and checked (all of them, except on a
        tar-pit: there the declared ports and :data:`DEFAULT_PORTS` only)."""
        if not self.tarpit:
            return self.open_tcp_ports
        wanted = set(DEFAULT_PORTS) | {d.port for d in self.declared or () if d.port is not None}
        return tuple(p for p in self.open_tcp_ports if p in wanted)

    def service(self, port: int) -> ServiceInfo:
        """What runs on ``port``, identified once."""
        return self.memo(f"service:{port}", lambda: identify(self.probe, self.address, port))

    @fact
    def identified_services(self) -> tuple[ServiceInfo, ...]:
        """Every open port identified. Ports are identified side by side (each waits on its own
        timeouts), at most :attr:`IDENTIFY_WORKERS` at a time."""
        ports = self.assessable_ports
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

    def declared_for(self, port: int, transport: str = "tcp") -> DeclaredInterface | None:
        """The enabled-or-not declared interface on ``port`` over ``transport`` (tcp or udp)."""
        for d in self.declared or ():
            if d.port == port and d.kind in PORT_KINDS and d.transport in (transport, None):
                return d
        return None

    # --- facts: UDP services ------------------------------------------------------------------------

    @fact
    def mdns_services(self) -> tuple[MdnsService, ...] | None:
        """DNS-SD services the device announces (unicast query to its port 5353), None when it
        does not answer there or 5353 is not assessed."""
        if 5353 not in self.udp_ports or self.udp_state(5353) == "closed":
            return None
        found = self.probe.mdns_services(self.address, 5353)
        return None if found is None else tuple(found)

    @fact
    def upnp_device(self) -> UpnpDevice | None:
        """The device's SSDP answer and UPnP description (unicast M-SEARCH to its port 1900);
        None when it does not answer there or 1900 is not assessed."""
        if 1900 not in self.udp_ports or self.udp_state(1900) == "closed":
            return None
        return discover_upnp(self.probe, self.address, 1900)

    # --- what the report says about the probing ---------------------------------------------------

    @property
    def notes(self) -> tuple[str, ...]:
        """What was probed, from where and when: recorded with the target in every report."""
        lines = [f"probed {self.resolved.describe()} from {self.origin.describe()}"]
        if self._first_probe is not None:
            end = dt.datetime.now(dt.UTC)
            lines.append(f"probes from {_utc(self._first_probe)} to {_utc(end)}")
        lines.append(f"ports: {self.port_spec or 'none'}")
        sweep = self.sweep_result
        if sweep is not None:
            lines.append(
                f"TCP: {sweep.count('open')} open, {sweep.count('closed')} closed, "
                f"{sweep.count('filtered') + sweep.count('unreachable')} unanswered, "
                f"{sweep.count('not-probed')} not probed"
            )
            if sweep.gave_up:
                lines.append("the host did not answer; the sweep stopped early")
        if self.tarpit:
            lines.append("the host accepts a connection on nearly every port (tar-pit)")
        rate = "unlimited" if self.rate is None else f"{self.rate:g}/s"
        lines.append(f"at most {self.concurrency} connections in flight, started at {rate}")
        if self.login_attempts:
            lines.append(f"login attempts: at most {self.attempt_budget} per service")
        else:
            lines.append("login attempts and state-changing probes switched off")
        return tuple(lines)

    def location(self, port: int, service: str | None = None) -> Location:
        return Location(host=self.address, port=port, service=service or self.service(port).service)

    def credentials(self) -> tuple[tuple[str, str], ...]:
        """The pairs to try: the caller's, else the shipped default-credential list."""
        return self.memo("credentials", self._credential_pairs)

    def _credential_pairs(self) -> tuple[tuple[str, str], ...]:
        return self._credentials if self._credentials is not None else load_default_credentials()


def _utc(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")

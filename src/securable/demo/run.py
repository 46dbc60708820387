"""``securable demo``: build, start, assess and compare both builds of the demo thermostat.

One command shows the whole toolkit on one machine:

1. the manufacturer creates its device CA and a TUF release repository;
2. both firmware images are built (directory, ``.tar.gz``, squashfs, and a vendor-style ``.bin`` —
   uImage + squashfs — when the tools exist), and the secure image is published as a signed release;
3. a secure unit is provisioned (own keys, IDevID, TLS certificate, unique owner password on its
   label) and both builds start as processes of their own — each in a network namespace of its
   own on a virtual LAN (:mod:`securable.netlab`, 198.18.0.0/15) where this machine allows it
   (root), else on loopback addresses of their own — and the demo says which;
4. each build is assessed — firmware image (the ``.bin`` when built), live device and declaration —
   against NIST IR 8425;
5. a side-by-side table is printed, both report sets are written, and everything is stopped.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from securable.assess.assessment import Assessment
from securable.assess.decisions import apply_decisions
from securable.assess.engine import EngineOptions
from securable.assess.model import Verdict
from securable.assess.observe import ConnectionWatch, ObservedTraffic
from securable.assess.product import ComponentPlan, component_targets, run_product
from securable.assess.reports import FORMATS, write_reports
from securable.assess.targets import Declaration
from securable.assess.targets.host import LiveHost, declared_interfaces_from
from securable.catalog import DEFAULT_PROFILE
from securable.demo.boot import onboard
from securable.demo.broker import Broker, TelemetrySubscriber, start_broker, start_plain_broker
from securable.demo.declarations import Peers, legacy_declaration, secure_declaration
from securable.demo.factory import Manufacturer, interface_registry, provision
from securable.demo.image import (
    LEGACY_VERSION,
    SECURE_UPDATE_VERSION,
    SECURE_VERSION,
    Build,
    ImageOutputs,
    build_rootfs,
    pack,
)
from securable.demo.processes import DeviceProcess, loopback_address, start_device
from securable.demo.record import record_secure_build, secure_decisions
from securable.device import FileKeystore, client_context
from securable.device.manufacturer import serve_in_thread
from securable.errors import UsageError
from securable.netlab import VirtualLan, unavailable_reason

#: Ports probed on each device: the usual IoT suspects plus the demo's own (never port 2024,
#: which belongs to this machine).
DEMO_PORTS = (21, 22, 23, 80, 443, 554, 1883, 2323, 5555, 7547, 8080, 8443, 8883, 9000)
SUPPORT_END = "2031-12"
#: How long each unit's connections are watched from its first start (the update round and the
#: first telemetry happen within it); on a loaded machine the watch goes on until the first
#: telemetry message and the legacy beacon have arrived, up to WATCH_MAX_SECONDS.
WATCH_SECONDS = 3.0
WATCH_MAX_SECONDS = 20.0


@dataclass(frozen=True)
class BuildResult:
    build: str
    address: str
    ports: dict[str, int]
    image: ImageOutputs
    reports: list[Path]
    assessment: Assessment


@dataclass(frozen=True)
class DemoResult:
    out: Path
    builds: dict[str, BuildResult]
    label: dict[str, Any]
    seconds: float
    telemetry_messages: int | None  # None when no MQTT broker could be started
    secure_state: dict[str, Any]  # what the owner reads from /api/security/state
    network: str = "loopback"  # where the devices ran: "a virtual LAN ..." or "loopback ..."
    lan_bridge: str | None = None  # the virtual LAN's bridge (gone when the demo returns); None on loopback


def _osv_folder() -> Path:
    return Path(str(resources.files("securable.demo") / "data" / "osv"))


def _owner_security_state(address: str, port: int, password: str, root_pem: bytes) -> dict[str, Any]:
    """Log in as the owner (label password, TLS pinned to the manufacturer root) and read the
    unit's security state; waits for its start-up update round to finish."""
    context = client_context(root_pem, check_hostname=False)

    def call(method: str, path: str, body: dict[str, Any] | None, token: str | None) -> dict[str, Any]:
        conn = http.client.HTTPSConnection(address, port, context=context, timeout=10)
        try:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            conn.request(method, path, json.dumps(body).encode() if body is not None else None, headers)
            response = conn.getresponse()
            data: dict[str, Any] = json.loads(response.read() or b"{}")
            if response.status != 200:
                raise UsageError(f"secure unit answered {response.status} to {path}", diagnostics=str(data))
            return data
        finally:
            conn.close()

    token = call("POST", "/api/login", {"username": "owner", "password": password}, None)["token"]
    deadline = time.monotonic() + 20
    state = call("GET", "/api/security/state", None, token)
    while state.get("update", {}).get("state") == "checking" and time.monotonic() < deadline:
        time.sleep(0.2)
        state = call("GET", "/api/security/state", None, token)
    return state


def _shared_legacy_key(work: Path) -> bytes:
    """One private key, created once and copied into every legacy unit's image (the flaw)."""
    keystore = FileKeystore(work / "legacy-factory-keys")
    keystore.generate("shared-device-key")
    return keystore.private_key_pem("shared-device-key")


def _assess(
    image: Path,
    host: str,
    declaration: dict[str, Any],
    profile: str,
    timeout: float,
    traffic: ObservedTraffic | None,
    *,
    full: bool,
) -> Assessment:
    """The whole product: the unit (image, live device, its observed connections), the declared
    backends it can reach, and the declaration. On a LAN of its own the unit gets the full sweep
    (every TCP port, the usual UDP ports); on loopback only the demo's port list, since this
    machine's own services share 127.0.0.0/8."""
    decl = Declaration.from_mapping(declaration, ref="product.yaml")
    unit = next(c.name for c in decl.components if c.kind == "device")
    plans = component_targets(
        decl,
        firmware=image,
        host=host,
        ports=None if full else DEMO_PORTS,
        traffic={unit: traffic} if traffic else None,
    )
    declared = declared_interfaces_from(decl)
    osv = _osv_folder()

    def open_host(plan: ComponentPlan) -> LiveHost:
        if plan.component.kind == "device":
            return LiveHost(str(plan.host), plan.ports or DEMO_PORTS, declared)
        return LiveHost(str(plan.host), plan.ports, ())

    options = EngineOptions(profile=profile, vulndb=osv, timeout=timeout)
    return run_product(decl, plans, options=options, open_host=open_host, vulndb=osv)


class _Collector:
    """A vendor's data-collection endpoint the legacy unit reports to (not in its declaration)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 65536)
                self.rfile.read(length)
                collector.received += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.received = 0
        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _watch_window(first_traffic_seen: Callable[[], bool]) -> None:
    """At least WATCH_SECONDS; longer (up to WATCH_MAX_SECONDS) until both units' first outbound
    traffic has arrived, then one more second for the connections that follow it."""
    started = time.monotonic()
    time.sleep(WATCH_SECONDS)
    while not first_traffic_seen() and time.monotonic() - started < WATCH_MAX_SECONDS:
        time.sleep(0.2)
    if time.monotonic() - started > WATCH_SECONDS:
        time.sleep(1.0)


@contextlib.contextmanager
def _running(
    processes: list[DeviceProcess], broker: Broker | None, subscriber: TelemetrySubscriber | None
) -> Iterator[None]:
    try:
        yield
    finally:
        for proc in processes:
            proc.stop()
        if subscriber is not None:
            subscriber.stop()
        if broker is not None:
            broker.stop()


def _network(choice: str) -> tuple[VirtualLan | None, str]:
    """The virtual LAN to run the devices on, or None for loopback; and the line that says which."""
    if choice not in ("auto", "lan", "loopback"):
        raise UsageError(
            f"--network: {choice!r} is not auto, lan or loopback", diagnostics="use --network auto"
        )
    reason = None if choice == "loopback" else unavailable_reason()
    if choice == "loopback" or reason is not None:
        if choice == "lan":
            raise UsageError(f"--network lan: {reason}", diagnostics="run as root, or use --network loopback")
        why = "as asked" if choice == "loopback" else f"no virtual LAN here: {reason}"
        return None, f"loopback addresses of this machine ({why})"
    lan = VirtualLan()
    where = (
        f"a virtual LAN {lan.subnet_v4} / {lan.subnet_v6}: one network namespace per device, "
        f"assessed from this machine over bridge {lan.bridge}"
    )
    return lan, where


def run_demo(
    out: Path,
    *,
    profile: str = DEFAULT_PROFILE,
    echo: Callable[[str], None] = print,
    check_timeout: float = 60.0,
    network: str = "auto",
) -> DemoResult:
    """Run the whole demo into ``out`` (created; an existing demo output there is replaced).

    ``network``: ``auto`` runs the devices on a virtual LAN where namespaces can be made (root)
    and on loopback otherwise; ``lan`` and ``loopback`` insist on one.
    """
    lan, where = _network(network)
    try:
        return _run_demo(out, profile=profile, echo=echo, check_timeout=check_timeout, lan=lan, where=where)
    finally:
        if lan is not None:
            lan.close()


def _run_demo(
    out: Path,
    *,
    profile: str,
    echo: Callable[[str], None],
    check_timeout: float,
    lan: VirtualLan | None,
    where: str,
) -> DemoResult:
    started = time.monotonic()
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file", diagnostics="give a folder for the demo's output")
    for sub in ("images", "secure", "legacy", "labels"):
        shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="securable-demo-") as tmp:
        work = Path(tmp)
        echo("manufacturer: creating the device CA and the TUF release repository")
        maker = Manufacturer.create(work / "manufacturer")
        echo("building firmware images (secure and legacy)")
        images = {
            Build.SECURE: pack(
                build_rootfs(
                    Build.SECURE, work / "rootfs-secure", trust=maker.trust_material(), shared_key_pem=b""
                ),
                out / "images",
                f"thermostat-{SECURE_VERSION}-secure",
            ),
            Build.LEGACY: pack(
                build_rootfs(
                    Build.LEGACY, work / "rootfs-legacy", trust={}, shared_key_pem=_shared_legacy_key(work)
                ),
                out / "images",
                f"thermostat-{LEGACY_VERSION}-legacy",
            ),
        }
        factory_release = maker.release(images[Build.SECURE].tarball, SECURE_VERSION, security_version=1)
        update = pack(
            build_rootfs(
                Build.SECURE,
                work / "rootfs-update",
                trust=maker.trust_material(),
                shared_key_pem=b"",
                version=SECURE_UPDATE_VERSION,
            ),
            work / "update-image",
            f"thermostat-{SECURE_UPDATE_VERSION}-secure",
        )
        maker.release(update.tarball, SECURE_UPDATE_VERSION, security_version=2)
        # On the LAN the manufacturer's services listen on the bridge's address, where the devices'
        # namespaces reach them; on loopback, on 127.0.0.1.
        service_host = lan.gateway_v4 if lan is not None else "127.0.0.1"
        echo(f"devices run on {where}")
        with serve_in_thread(maker.repo.public_dir, host=service_host) as repo_server:
            update_url = f"http://{service_host}:{repo_server.server_address[1]}"
            hosts = {}
            if lan is not None:
                hosts = {"secure": lan.add_host("secure"), "legacy": lan.add_host("legacy")}
                secure_addr, legacy_addr = hosts["secure"].ipv4, hosts["legacy"].ipv4
            else:
                secure_addr = loopback_address(2)
                legacy_addr = loopback_address(3, avoid={secure_addr})
            broker = start_broker(maker, work / "broker", host=service_host)
            if broker is None:
                echo("mosquitto is not installed: the secure unit runs without telemetry")
            else:
                echo(f"telemetry broker (mutual TLS) on {broker.host}:{broker.port}")
            echo(f"provisioning secure unit ST100-000042 (update repository {update_url})")
            label = provision(
                maker,
                work / "devices" / "secure",
                serial="ST100-000042",
                version=SECURE_VERSION,
                update_url=update_url,
                label_dir=out / "labels",
                factory_image=(images[Build.SECURE].tarball, factory_release),
                telemetry=(broker.host, broker.port) if broker else None,
            )
            if broker:
                echo("owner setup: telemetry opted in (it is off by default)")
                onboard(work / "devices" / "secure", label["password"], telemetry_enabled=True)
            legacy_broker = start_plain_broker(work / "legacy-broker", host=service_host)
            collector = _Collector(service_host)
            declarations = {
                Build.SECURE: secure_declaration(
                    interface_registry().export_declaration(),
                    SUPPORT_END,
                    Peers(secure_addr, (broker.host, broker.port) if broker else None, update_url),
                ),
                Build.LEGACY: legacy_declaration(
                    Peers(legacy_addr, (legacy_broker.host, legacy_broker.port) if legacy_broker else None)
                ),
            }
            processes: list[DeviceProcess] = []
            subscriber = TelemetrySubscriber(maker, broker) if broker else None
            watches: dict[str, ConnectionWatch] = {}

            def watch(build: str) -> Callable[[int], None]:
                def start(pid: int) -> None:
                    # on the LAN the unit's packets are captured inside its own namespace
                    netns = f"/proc/{pid}/ns/net" if lan is not None else None
                    watches[build] = ConnectionWatch(component="thermostat", pid=pid, netns=netns).start()

                return start

            legacy_peers: list[str] = ["--phone-home", f"{service_host}:{collector.port}"]
            if legacy_broker is not None:
                legacy_peers += ["--telemetry", f"{legacy_broker.host}:{legacy_broker.port}"]
            with _running(processes, broker, subscriber), contextlib.ExitStack() as extra:
                extra.callback(collector.stop)
                if legacy_broker is not None:
                    extra.callback(legacy_broker.stop)
                for name, addr, serial, extra_args in (
                    ("secure", secure_addr, "ST100-000042", ()),
                    ("legacy", legacy_addr, "ST100-000007", tuple(legacy_peers)),
                ):
                    if lan is not None:
                        lan.check_route(addr)
                    processes.append(
                        start_device(
                            name,
                            addr,
                            work / "devices" / name,
                            serial=serial,
                            extra=extra_args,
                            on_spawn=watch(name),
                            wrap=hosts[name].command if name in hosts else None,
                        )
                    )
                echo(f"watching both units' connections for {WATCH_SECONDS:g} s from their first start")
                _watch_window(
                    lambda: (subscriber is None or subscriber.messages > 0) and collector.received > 0
                )
                traffic = {build: w.stop() for build, w in watches.items()}
                results: dict[str, BuildResult] = {}
                for proc in processes:
                    build = Build(proc.build)
                    echo(f"{build.value}: running on {proc.address} {proc.ports}; assessing it")
                    decl = declarations[build]
                    # The vendor-style .bin when the tools to build it exist: the path real firmware takes.
                    image_file = images[build].blob or images[build].tarball
                    assessment = _assess(
                        image_file,
                        proc.address,
                        decl,
                        profile,
                        check_timeout,
                        traffic.get(build.value),
                        full=lan is not None,
                    )
                    if build is Build.SECURE:
                        assessment = apply_decisions(assessment, secure_decisions())
                    report_dir = out / build.value
                    reports = write_reports(assessment, report_dir, list(FORMATS))
                    (report_dir / "product.yaml").write_text(yaml.safe_dump(decl, sort_keys=False))
                    results[build.value] = BuildResult(
                        build.value, proc.address, proc.ports, images[build], reports, assessment
                    )
                telemetry = subscriber.messages if subscriber is not None else None
                secure_proc = next(p for p in processes if p.build == "secure")
                secure_state = _owner_security_state(
                    secure_proc.address,
                    secure_proc.ports["https"],
                    label["password"],
                    (maker.ca.directory / "root.pem").read_bytes(),
                )
        if "secure" in results:
            echo("secure: signing the evidence bundle with the manufacturer's assessment key")
            bundle = record_secure_build(
                out, results["secure"].assessment, images[Build.SECURE].tarball, work / "assessment-keys"
            )
            echo(f"secure: evidence bundle {bundle.path} verified with {bundle.public_key.name}")
    (out / "demo-summary.json").write_text(
        json.dumps(
            {
                name: {"address": r.address, "ports": r.ports, "summary": r.assessment.summary}
                for name, r in results.items()
            },
            indent=2,
        )
        + "\n"
    )
    return DemoResult(
        out,
        results,
        label,
        time.monotonic() - started,
        telemetry,
        secure_state,
        where,
        None if lan is None else lan.bridge,
    )


def comparison_rows(result: DemoResult) -> list[list[str]]:
    """Per requirement of the profile: id, title, secure verdict, legacy verdict."""
    secure = result.builds["secure"].assessment
    legacy = {r.id: r for r in result.builds["legacy"].assessment.requirements}
    accepted = secure.accepted_risks

    def shown(req_id: str, verdict: str) -> str:
        return f"{verdict} (risk accepted until {accepted[req_id]})" if req_id in accepted else verdict

    return [
        [r.id, r.title, shown(r.id, r.verdict.value), legacy[r.id].verdict.value] for r in secure.requirements
    ]


def failed_count(assessment: Assessment) -> int:
    return sum(1 for r in assessment.requirements if r.verdict is Verdict.FAIL)

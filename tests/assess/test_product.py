"""The whole product: declared components and connections, observed traffic, per-component verdicts,
the MUD file and the report formats — against real peers started on loopback."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator, Draft202012Validator

from securable.assess.assessment import Assessment
from securable.assess.engine import EngineOptions
from securable.assess.model import Verdict
from securable.assess.mud import build_mud, load_mud_schema, permits
from securable.assess.observe import ConnectionWatch
from securable.assess.product import component_targets, run_product
from securable.assess.reports import diagram, html, oscal, sarif
from securable.assess.targets import Declaration
from securable.errors import DeclarationError
from tests.assess.test_cli import cli

SCHEMAS = Path(__file__).parent / "schemas"
REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "src/securable/assess/data/report.schema.json"
BASE: dict[str, Any] = {
    "schema": "securable/product/v1",
    "product": {
        "name": "Loop Thermostat",
        "manufacturer": "Example Devices Ltd",
        "url": "https://example.com/t",
    },
}


def _decl(components: list[dict[str, Any]], connections: list[dict[str, Any]]) -> Declaration:
    return Declaration.from_mapping({**BASE, "components": components, "connections": connections})


# --- declaration ---------------------------------------------------------------------------------


def test_old_declarations_imply_one_device_component() -> None:
    decl = Declaration.from_mapping(BASE)
    assert [(c.name, c.kind, c.implied) for c in decl.components] == [("Loop Thermostat", "device", True)]
    assert decl.connections == ()


def test_cycles_are_fine_and_old_kinds_are_read_as_new_ones() -> None:
    decl = _decl(
        [{"name": "unit", "kind": "device"}, {"name": "cloud", "kind": "cloud"}],
        [
            {"from": "unit", "to": "cloud", "protocol": "mqtt", "port": 8883},
            {"from": "cloud", "to": "unit", "protocol": "https", "port": 443},
        ],
    )
    assert decl.component("cloud") is not None and decl.component("cloud").kind == "backend"  # type: ignore[union-attr]
    assert len(decl.connections) == 2


@pytest.mark.parametrize(
    ("components", "connections", "says"),
    [
        (
            [{"name": "unit", "kind": "device"}],
            [{"from": "unit", "to": "ghost", "protocol": "mqtt"}],
            "ghost",
        ),
        (
            [{"name": "unit", "kind": "device"}],
            [{"from": "unit", "to": "unit", "protocol": "mqtt"}],
            "itself",
        ),
        ([{"name": "unit", "kind": "device"}, {"name": "unit", "kind": "hub"}], [], "declared twice"),
    ],
)
def test_broken_graphs_are_one_line_input_errors(
    components: list[dict[str, Any]], connections: list[dict[str, Any]], says: str
) -> None:
    with pytest.raises(DeclarationError) as caught:
        _decl(components, connections)
    assert says in caught.value.message and "\n" not in caught.value.message
    assert caught.value.exit_code == 2


def test_cli_rejects_a_dangling_connection_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "product.yaml"
    manifest.write_text(
        "schema: securable/product/v1\nproduct: {name: T, manufacturer: M}\n"
        "components: [{name: unit, kind: device}]\nconnections: [{from: unit, to: cloud, protocol: mqtt}]\n"
    )
    assert cli(["assess", "--manifest", str(manifest), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no component named 'cloud'" in err and "Traceback" not in err


# --- observed traffic, on loopback with real peers -------------------------------------------------


def _server(tls: ssl.SSLContext | None) -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            try:
                if tls is not None:
                    conn = tls.wrap_socket(conn, server_side=True)
                conn.settimeout(2)
                conn.recv(100)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock, int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """A TLS broker, a plaintext broker and an undeclared collector, all on 127.0.0.1."""
    tmp_path = tmp_path_factory.mktemp("peers")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(tmp_path / "k.pem"), "-out", str(tmp_path / "c.pem"), "-days", "1", "-subj", "/CN=t"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    servers = {"tls": _server(context), "plain": _server(None), "collector": _server(None)}
    yield {name: port for name, (_s, port) in servers.items()}
    for sock, _port in servers.values():
        sock.close()


DEVICE = """
import socket, ssl, sys, time
sys.stdin.readline()  # the watch is running: connect now
tls, plain, collector = (int(p) for p in sys.argv[1:4])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls)))
s.sendall(b"\\x10\\x0c\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x00"); time.sleep(0.2); s.close()
s = socket.create_connection(("127.0.0.1", plain))
s.sendall(b"\\x10\\x0c\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x00"); time.sleep(0.2); s.close()
s = socket.create_connection(("127.0.0.1", collector))
s.sendall(b"POST /collect HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"); time.sleep(0.2); s.close()
time.sleep(0.3)
"""


def _watch(ports: dict[str, int]) -> Any:
    proc = subprocess.Popen([sys.executable, "-c", DEVICE, str(ports["tls"]), str(ports["plain"]),
                             str(ports["collector"])], stdin=subprocess.PIPE)  # fmt: skip
    try:
        watch = ConnectionWatch(component="unit", pid=proc.pid).start()
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")  # only now: a loaded machine may take long to start the watch
        proc.stdin.close()
        proc.wait(timeout=20)
        time.sleep(0.05)
        return watch.stop()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_watch_sees_each_connection_and_its_protocol(peers: dict[str, int]) -> None:
    traffic = _watch(peers)
    by_port = {c.remote_port: c for c in traffic.connections}
    assert set(by_port) == set(peers.values())
    assert by_port[peers["tls"]].protocols == ("tls",) and by_port[peers["tls"]].encrypted is True
    assert by_port[peers["plain"]].protocols == ("mqtt",) and by_port[peers["plain"]].encrypted is False
    assert by_port[peers["collector"]].protocols == ("http",)
    assert traffic.methods == ("capture", "table:pid")


def _product(peers: dict[str, int]) -> Declaration:
    return _decl(
        [
            {"name": "unit", "kind": "device"},
            {"name": "broker", "kind": "backend", "address": "127.0.0.1"},
            {"name": "legacy broker", "kind": "backend", "address": "127.0.0.1"},
            {"name": "repository", "kind": "backend", "address": "127.0.0.1"},
            {"name": "app", "kind": "app", "package": "app.apk"},
        ],
        [
            {"from": "unit", "to": "broker", "protocol": "mqtt", "port": peers["tls"],
             "protection": "mutual-tls", "authentication": "mutual-certificate", "data": ["temperature"]},
            {"from": "unit", "to": "legacy broker", "protocol": "mqtt", "port": peers["plain"],
             "protection": "tls", "authentication": "password", "data": ["temperature"]},
            {"from": "unit", "to": "repository", "protocol": "https", "port": 1, "protection": "tls",
             "authentication": "certificate"},
            {"from": "app", "to": "unit", "protocol": "https", "port": 8443, "protection": "tls",
             "authentication": "password"},
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def watched(peers: dict[str, int]) -> tuple[Declaration, Any, Assessment]:
    """The loopback product, its unit watched, assessed once for the tests below."""
    decl = _product(peers)
    traffic = _watch(peers)
    plans = component_targets(decl, traffic={"unit": traffic})
    assert {p.component.name: p.runnable for p in plans}["app"] is False
    return decl, traffic, run_product(decl, plans, options=EngineOptions(timeout=30))


def test_product_verdicts_fold_per_component_and_reports_say_which(
    peers: dict[str, int], watched: tuple[Declaration, Any, Assessment]
) -> None:
    decl, traffic, assessment = watched
    checks = {(f.check, f.verdict) for f in assessment.findings if f.component == "unit"}
    assert ("traffic.connections.undeclared", Verdict.FAIL) in checks  # the collector
    assert ("traffic.connections.protected", Verdict.FAIL) in checks  # mqtt where tls is declared
    assert ("traffic.connections.protected", Verdict.PASS) in checks
    assert ("traffic.connections.onboarding", Verdict.INCONCLUSIVE) in checks  # the repository: never seen
    verdicts = {r.id: r.verdict for r in assessment.requirements}
    for req in ("nistir8425:IAC-2b", "nistir8425:PC-3", "nistir8425:DP-3", "nistir8425:IAC-2c"):
        assert verdicts[req] is Verdict.FAIL
    product = assessment.product
    unit = next(c for c in product.components if c.name == "unit")
    assert unit.verdicts["nistir8425:DP-3"] is Verdict.FAIL
    app_result = next(c for c in product.components if c.name == "app")
    assert not app_result.assessed and "not at hand" in app_result.reason
    status = {c.label: c.status for c in product.connections}
    assert sorted(status.values()) == ["declared", "unseen", "verified", "violated", "violated"]

    report = assessment.to_json()
    Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(report)
    assert {f.get("component") for f in report["findings"]} == {None, "unit"}
    log = json.loads(sarif.render(assessment))
    sarif_schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert not list(Draft4Validator(sarif_schema).iter_errors(log))
    assert any(r["properties"].get("component") == "unit" for r in log["runs"][0]["results"])
    observations = json.loads(oscal.render(assessment))["assessment-results"]["results"][0]["observations"]
    assert any(p["name"] == "component" and p["value"] == "unit" for o in observations for p in o["props"])
    page = html.render(assessment).decode()
    assert "<svg" in page and 'id="product"' in page

    mud = build_mud(decl)
    Draft202012Validator(load_mud_schema()).validate(mud)
    by_port = {c.remote_port: c for c in traffic.connections}
    assert permits(mud, by_port[peers["tls"]]) is True
    assert permits(mud, by_port[peers["collector"]]) is False


def test_mud_schema_rejects_what_the_yang_model_forbids() -> None:
    decl = _product({"tls": 8883, "plain": 1883})
    mud = build_mud(decl)
    validator = Draft202012Validator(load_mud_schema())
    assert not list(validator.iter_errors(mud))
    broken = json.loads(json.dumps(mud))
    del broken["ietf-mud:mud"]["is-supported"]  # mandatory leaf
    assert list(validator.iter_errors(broken))
    broken = json.loads(json.dumps(mud))
    broken["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["tcp"][
        "ietf-mud:direction-initiated"
    ] = "sideways"
    assert list(validator.iter_errors(broken))
    names = {a["name"] for a in mud["ietf-access-control-list:acls"]["acl"]}
    policies = mud["ietf-mud:mud"]["from-device-policy"]["access-lists"]["access-list"]
    assert {p["name"] for p in policies} <= names  # the leafref the schema cannot express


def test_diagram_keeps_hostile_names_as_text() -> None:
    product = {
        "components": [
            {"name": '<script>alert(1)</script>"', "kind": "device", "assessed": True},
            {"name": "b", "kind": "backend", "assessed": False},
        ],
        "connections": [
            {"from": '<script>alert(1)</script>"', "to": "b", "status": "violated", "protocol": "http"}
        ],
    }
    drawn = diagram.svg(product)
    if drawn is None:
        pytest.skip("Graphviz dot is not installed (scripts/bootstrap installs it)")
    assert "<script" not in drawn and "&lt;script&gt;" in drawn


def test_oscal_of_a_product_reads_with_trestle_and_each_component_is_a_subject(
    watched: tuple[Declaration, Any, Assessment], tmp_path: Path
) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    _decl, _traffic, assessment = watched
    path = tmp_path / "oscal-ar.json"
    path.write_bytes(oscal.render(assessment))
    result = AssessmentResults.oscal_read(path).results[0]
    assert result.local_definitions is not None
    items = {str(i.uuid): i for i in result.local_definitions.inventory_items or []}
    traffic_obs = [o for o in result.observations or [] if o.title.startswith("traffic.")]
    assert traffic_obs
    for obs in traffic_obs:
        (subject,) = obs.subjects or []
        props = {p.name: p.value for p in items[str(subject.subject_uuid)].props or []}
        assert props == {"asset-type": "other", "target-kind": "traffic", "component": "unit"}


def test_product_report_renders_in_chromium_with_its_diagram(
    watched: tuple[Declaration, Any, Assessment], tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot is not installed (scripts/bootstrap installs it)")
    page_file = tmp_path / "report.html"
    page_file.write_bytes(html.render(watched[2]))
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("request", lambda r: None if r.url.startswith("file:") else problems.append(r.url))
            page.goto(page_file.as_uri())
            diagram_box = page.locator("#product svg").bounding_box()
            assert diagram_box is not None and diagram_box["width"] > 100
            assert page.locator("#product svg g.node").count() == 5 + 1  # components + the undeclared peer
            assert page.locator("#product svg g.edge").count() == 5
        finally:
            browser.close()
    assert problems == []


def test_cli_watches_a_process_and_writes_the_mud_file(
    peers: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "product.yaml"
    data = {**BASE, "components": [{"name": "unit", "kind": "device"}, {"name": "broker", "kind": "backend",
            "address": "127.0.0.1"}], "connections": [{"from": "unit", "to": "broker", "protocol": "mqtt",
            "port": peers["tls"], "protection": "tls", "authentication": "certificate"}]}  # fmt: skip
    manifest.write_text(json.dumps(data))
    device = subprocess.Popen(
        [
            sys.executable,
            "-c",
            DEVICE.replace("time.sleep(0.3)", "time.sleep(1.0)", 1),
            str(peers["tls"]),
            str(peers["plain"]),
            str(peers["collector"]),
        ]
    )
    try:
        out = tmp_path / "out"
        argv = ["assess", "--manifest", str(manifest), "--watch", "2.5", "--watch-pid", str(device.pid)]
        code = cli([*argv, "--out", str(out), "--format", "json,mud"])
    finally:
        device.wait(timeout=20)
    captured = capsys.readouterr()
    assert code == 1, captured.err  # the plaintext and the undeclared connections fail
    report = json.loads((out / "report.json").read_text())
    failing = {f["check"] for f in report["findings"] if f["verdict"] == "fail"}
    assert failing >= {"traffic.connections.undeclared"}
    mud = json.loads((out / "mud.json").read_text())
    Draft202012Validator(load_mud_schema()).validate(mud)


def test_a_component_firmware_that_is_missing_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "product.yaml"
    data = {**BASE, "components": [{"name": "unit", "kind": "device", "firmware": "images/none.tar"}]}
    manifest.write_text(json.dumps(data))
    assert cli(["assess", "--manifest", str(manifest), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "component 'unit': firmware" in err and "Traceback" not in err


def test_a_declared_backend_is_probed_only_when_named_with_backend(tmp_path: Path) -> None:
    """A backend component's base URL is contacted only when --backend names it; its web findings
    then carry the component, and without the flag it is not assessed, with the reason."""
    from tests.assess.web.servers import flawed_api

    api = flawed_api()
    manifest = tmp_path / "product.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "schema": "securable/product/v1",
                "product": {"name": "Test Thermostat", "manufacturer": "Example Devices Ltd"},
                "components": [
                    {"name": "unit", "kind": "device"},
                    {"name": "cloud api", "kind": "backend", "base_url": api.url},
                ],
            }
        )
    )
    quiet, probed = tmp_path / "quiet", tmp_path / "probed"
    cli(["assess", "--manifest", str(manifest), "--out", str(quiet), "--format", "json"])
    report = json.loads((quiet / "report.json").read_text())
    backend = next(c for c in report["product"]["components"] if c["name"] == "cloud api")
    assert backend["assessed"] is False and "--backend" in backend["reason"]
    assert not [f for f in report["findings"] if f["check"].startswith("web.")]

    cli(
        [
            "assess",
            "--manifest",
            str(manifest),
            "--backend",
            api.url,
            "--out",
            str(probed),
            "--format",
            "json",
        ]
    )
    report = json.loads((probed / "report.json").read_text())
    web = [f for f in report["findings"] if f["check"].startswith("web.")]
    assert web and {f.get("component") for f in web} == {"cloud api"}
    assert any(f["verdict"] == "fail" for f in web)

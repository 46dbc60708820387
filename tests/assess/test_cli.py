"""``securable assess``: the CLI contract (exit 0/1/2, one-line errors, reports written, --list-checks)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from securable._cli import main
from securable.assess.targets import Declaration, load_live_host_class
from securable.assess.targets.host import declared_interfaces_from
from securable.catalog import Catalog, load_catalog
from tests.assess.test_declaration import good
from tests.cli.unwritable import KINDS, unwritable_folder


def cli(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture(autouse=True)
def test_catalog(monkeypatch: pytest.MonkeyPatch, catalog: Catalog) -> Catalog:
    """The one seam faked here: which catalog the command loads (the real one is tested below)."""
    monkeypatch.setattr("securable._cli.assess_cmd.load_catalog", lambda: catalog)
    return catalog


@pytest.fixture
def manifest(tmp_path: Path, catalog: Catalog) -> Path:
    path = tmp_path / "product.yaml"
    path.write_text(yaml.safe_dump(good(catalog)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to assess"),
        (["--firmware", "{tmp}/missing"], "does not exist"),
        (["--manifest", "{manifest}", "--format", "json,pdf"], "--format: unknown format 'pdf'"),
        (["--host", "127.0.0.1", "--ports", "22,abc"], "--ports: 'abc' is not a port"),
        (["--host", "127.0.0.1", "--ports", "0-10"], "'0-10' includes 0, but ports start at 1"),
        (["--host", "127.0.0.1", "--ports", "1-99999"], "'1-99999' goes above 65535"),
        (["--host", "127.0.0.1", "--ports", "99999"], "'99999' goes above 65535"),
        (["--host", "127.0.0.1", "--ports", "80-22"], "'80-22' is a reversed range"),
        (["--host", "127.0.0.1", "--ports", ",,"], "names no port"),
        (["--manifest", "{manifest}", "--ports", "22"], "--ports needs --host"),
        (["--manifest", "{manifest}", "--vulndb", "{tmp}/nope"], "--vulndb: '"),
        (["--manifest", "{manifest}", "--profile", "nistir8452"], "unknown profile 'nistir8452'"),
        (["--manifest", "{manifest}", "--profile", "zzz"], "`securable catalog profiles` lists the profile"),
        (["--manifest", "{manifest}", "--fail-on", "sometimes"], "--fail-on: 'sometimes'"),
        (["--manifest", "{tmp}/bad.yaml"], "field 'support.end'"),
        (["--manifest", "{manifest}", "--timeout", "0"], "--timeout: 0.0 is not positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, manifest: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.yaml").write_text("schema: securable/product/v1\nproduct: {name: a, manufacturer: b}\n"
                                       "support: {end: 2030-15}\n")  # fmt: skip
    argv = [
        "assess",
        *(a.format(tmp=tmp_path, manifest=manifest) for a in args),
        "--out",
        str(tmp_path / "out"),
    ]
    assert cli(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and " — " in err  # the message, then the fix
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_out_missing_or_a_file(tmp_path: Path, manifest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["assess", "--manifest", str(manifest)]) == 2
    assert "--out is missing" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert cli(["assess", "--manifest", str(manifest), "--out", str(tmp_path / "file")]) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_unwritable_out_is_exit_2_before_any_check(
    kind: str,
    tmp_path: Path,
    manifest: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = unwritable_folder(kind, tmp_path)

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the checks ran although --out cannot be written")

    monkeypatch.setattr("securable._cli.assess_cmd.run_assessment", must_not_run)
    assert cli(["assess", "--manifest", str(manifest), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("securable: error: --out: ")
    assert "writ" in err or "a file" in err


def test_whole_port_range_is_accepted() -> None:
    from securable._cli.assess_cmd import parse_ports

    assert parse_ports("1-65535") == tuple(range(1, 65536))
    assert parse_ports("80, 22,22-23") == (22, 23, 80)


def test_host_without_network_target_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install without the network target (the lazy import finds nothing) refuses --host cleanly."""
    monkeypatch.setattr("securable._cli.assess_cmd.load_live_host_class", lambda: None)
    assert cli(["assess", "--host", "127.0.0.1", "--out", str(tmp_path / "o")]) == 2
    assert "live-host assessment is not available" in capsys.readouterr().err


def test_clean_declaration_exits_0_and_writes_reports(
    tmp_path: Path, manifest: Path, rootfs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = cli(["assess", "--manifest", str(manifest), "--firmware", str(rootfs), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "junit.xml",
        "mud.json",
        "oscal-ar.json",
        "report.html",
        "report.json",
        "report.sarif",
        "sbom.cdx.json",
    ]
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["fail"] == 0 and {t["kind"] for t in report["targets"]} == {
        "firmware",
        "declaration",
    }
    assert "securable: [1/" in captured.err  # plain progress lines when not on a terminal
    assert f"wrote {out / 'report.json'}" in captured.out


def test_failed_requirement_exits_1_unless_fail_on_never(tmp_path: Path, catalog: Catalog) -> None:
    data = good(catalog)
    del data["disclosure"]
    path = tmp_path / "product.yaml"
    path.write_text(yaml.safe_dump(data))
    assert cli(["assess", "--manifest", str(path), "--out", str(tmp_path / "a"), "--format", "json"]) == 1
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["report.json"]
    assert cli(["assess", "--manifest", str(path), "--out", str(tmp_path / "b"), "--fail-on", "never"]) == 0


def test_list_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["assess", "--list-checks", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = [r["id"] for r in rows]
    assert "decl.support-period" in ids and len(ids) == len(set(ids))
    assert all(r["requirements"] and r["title"] and r["target"] for r in rows)
    assert cli(["assess", "--list-checks"]) == 0
    assert "decl.statements\tdeclaration\t" in capsys.readouterr().out


def test_console_script_exit_code_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from securable._cli import main; main(['assess', '--out', 'x'])"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "nothing to assess" in proc.stderr


def test_real_catalog_assessment_of_the_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end with the package catalog and examples/product.yaml (once the catalog data exists)."""
    try:
        real = load_catalog()
    except Exception as exc:  # the catalog data is shipped by another part of the project
        pytest.skip(f"package catalog not loadable yet: {exc}")
    monkeypatch.setattr("securable._cli.assess_cmd.load_catalog", lambda: real)
    example = Path(__file__).resolve().parents[2] / "examples" / "product.yaml"
    code = cli(["assess", "--manifest", str(example), "--out", str(tmp_path / "o"), "--format", "json"])
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["profile"] == "nistir8425" and len(report["requirements"]) == len(real.profile().item_ids)
    assert code == 0 and report["summary"]["fail"] == 0  # the shipped example is a complete declaration
    assert report["summary"]["manual"] > 0 and report["summary"]["not_assessed"] > 0  # honest, not a pass


def test_declared_interfaces_reach_the_live_host_target() -> None:
    live_host = load_live_host_class()
    if live_host is None:
        pytest.skip("the network target is not installed")
    example = Path(__file__).resolve().parents[2] / "examples" / "product.yaml"
    decl = Declaration.load(example)
    host = live_host("127.0.0.1", None, declared_interfaces=declared_interfaces_from(decl))
    ports = {d.port for d in host.declared}
    assert {443, 8883} <= ports and {443, 8883} <= set(host.ports)


@pytest.mark.integration
def test_host_assessment_end_to_end(tmp_path: Path, manifest: Path) -> None:
    """A real listener on a loopback port the test picked; the report names the host target."""
    if load_live_host_class() is None:
        pytest.skip("the network target is not installed")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        out = tmp_path / "o"
        code = cli(
            ["assess", "--host", "127.0.0.1", "--ports", str(port), "--manifest", str(manifest),
             "--out", str(out), "--format", "json", "--timeout", "60"]
        )  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    assert code in (0, 1)
    assert {t["kind"] for t in report["targets"]} == {"host", "declaration"}
    assert all(c["status"] == "ok" for c in report["checks"]), report["checks"]


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("224.0.0.251", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("0.0.0.0", "unspecified"),
        ("198.18.0.0/24", "network address"),
        ("no-such-device.invalid", "does not resolve"),
    ],
)
def test_hosts_that_are_no_single_device_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], host: str, message: str
) -> None:
    assert cli(["assess", "--host", host, "--ports", "40000", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 2 and message in err[0], err  # the error line, and its fix
    assert "Traceback" not in "\n".join(err)


def test_help_lists_the_active_steps_and_the_switch_that_stops_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli(["assess", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for phrase in ("--no-login-attempts", "default-credential logins", "SNMP community", "CoAP write-back",
                   "--concurrency", "--max-rate", "tcp:1-65535,udp:161,1900,5353,5683"):  # fmt: skip
        assert phrase in text, phrase


@pytest.mark.integration
def test_each_of_several_hosts_gets_its_own_report_set(tmp_path: Path, manifest: Path) -> None:
    if load_live_host_class() is None:
        pytest.skip("the network target is not installed")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as v4, socket.socket(socket.AF_INET6) as v6:
        v4.bind(("127.0.0.1", 0))
        v6.bind(("::1", 0))
        v4.listen()
        v6.listen()
        ports = f"tcp:{v4.getsockname()[1]},{v6.getsockname()[1]}"
        out = tmp_path / "o"
        code = cli(
            ["assess", "--host", "127.0.0.1", "--host", "::1", "--ports", ports, "--no-login-attempts",
             "--concurrency", "8", "--max-rate", "500", "--manifest", str(manifest), "--out", str(out),
             "--format", "json"]
        )  # fmt: skip
    assert code in (0, 1)
    for folder, address in (("host-127.0.0.1", "127.0.0.1"), ("host-__1", "::1")):
        report = json.loads((out / folder / "report.json").read_text())
        host = next(t for t in report["targets"] if t["kind"] == "host")
        assert host["ref"] == address
        notes = " ".join(host["notes"])
        assert f"probed {address} from" in notes and "probes from 20" in notes
        assert "at most 8 connections in flight, started at 500/s" in notes
        assert "login attempts and state-changing probes switched off" in notes


def test_hostile_tar_through_the_cli_writes_safe_reports(tmp_path: Path, manifest: Path) -> None:
    import tarfile

    from tests.assess.conftest import make_tar

    def member(name: str, kind: bytes = tarfile.REGTYPE, **attrs: object) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type = kind
        for key, value in attrs.items():
            setattr(info, key, value)
        return info

    archive = make_tar(
        tmp_path / "fw.tar.gz",
        [
            (member("../../escape"), b"x"),
            (member("etc/rc.d/S20<img src=x onerror=alert(1)>"), b"#!/bin/sh\n"),
            (member("etc/rc.d/S10telnetd"), b"#!/bin/sh\ntelnetd\n"),
            (member("dev/console", tarfile.CHRTYPE, devmajor=5, devminor=1), None),
        ],
        "w:gz",
    )
    out = tmp_path / "out"
    assert cli(["assess", "--firmware", str(archive), "--manifest", str(manifest), "--out", str(out)]) == 1
    report = json.loads((out / "report.json").read_text())
    firmware = next(t for t in report["targets"] if t["kind"] == "firmware")
    assert any("../../escape" in note for note in firmware["notes"])
    undeclared = [
        f for f in report["findings"] if f["check"] == "decl.boot-services" and f["verdict"] == "fail"
    ]
    assert [f["location"]["path"] for f in undeclared] == [
        "/etc/rc.d/S20<img src=x onerror=alert(1)>",
        "/etc/rc.d/S10telnetd",
    ]
    page = (out / "report.html").read_text()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert not (tmp_path / "escape").exists() and not (tmp_path.parent / "escape").exists()

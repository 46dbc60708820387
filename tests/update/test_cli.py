"""`securable update ...` end to end through the console entry point."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
import urllib3

from securable._cli import main
from securable.device.update import DeviceUpdater, Release, serve_in_thread

from .conftest import HWID, make_image, provision


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_init_add_release_publish_sign_rotate_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    code, out, _ = run(capsys, "update", "init", str(repo), "--root-keys", "2", "--root-threshold", "2")
    assert code == 0 and "1.root.json" in out
    fw = make_image(tmp_path, "fw.bin", 4096)
    code, out, _ = run(
        capsys,
        "update",
        "add-release",
        str(repo),
        str(fw.path),
        "--version",
        "1.0.0",
        "--security-version",
        "1",
        "--hardware-id",
        HWID,
        "--no-publish",
    )
    assert code == 0 and "staged" in out
    assert run(capsys, "update", "publish", str(repo))[0] == 0
    assert run(capsys, "update", "sign", str(repo))[0] == 0
    code, out, _ = run(capsys, "update", "rotate-key", str(repo), "timestamp")
    assert code == 0 and "version 2" in out
    assert (repo / "public" / "metadata" / "2.root.json").exists()
    code, out, _ = run(capsys, "update", "list", str(repo), "--json")
    assert code == 0
    assert json.loads(out) == [
        {"target": "images/fw-1.0.0.bin", "version": "1.0.0", "security_version": "1", "hardware_ids": HWID}
    ]


def test_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "update", "publish", str(tmp_path / "missing"))
    assert code == 2 and "securable update init" in err and err.count("\n") == 1
    run(capsys, "update", "init", str(tmp_path / "repo"))
    code, _, err = run(
        capsys,
        "update",
        "add-release",
        str(tmp_path / "repo"),
        str(tmp_path / "nope.bin"),
        "--version",
        "1",
        "--security-version",
        "1",
        "--hardware-id",
        HWID,
    )
    assert code == 2 and "nope.bin" in err
    code, _, err = run(capsys, "update", "serve", str(tmp_path / "repo"), "--host", "0.0.0.0")
    assert code == 2 and "loopback" in err


@pytest.mark.integration
def test_serve_on_loopback_with_ranges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    run(capsys, "update", "init", str(repo))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from securable._cli import main; main()",
            "update",
            "serve",
            str(repo),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        assert url.startswith("http://127.0.0.1:")
        http = urllib3.PoolManager(retries=False, timeout=10)
        whole = http.request("GET", f"{url}/metadata/1.root.json").data
        part = http.request("GET", f"{url}/metadata/1.root.json", headers={"Range": "bytes=10-19"})
        assert part.status == 206 and part.data == whole[10:20]
        assert http.request("GET", f"{url}/metadata/").status == 404  # no directory listings
        http.clear()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


@pytest.mark.integration
def test_cli_published_releases_update_a_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    run(capsys, "update", "init", str(repo))
    v1, v2 = make_image(tmp_path, "v1.bin", 5000), make_image(tmp_path, "v2.bin", 6000)
    for fw, version, svn in ((v1, "1.0.0", "1"), (v2, "2.0.0", "2")):
        code, _, err = run(
            capsys, "update", "add-release", str(repo), str(fw.path), "--name", "fw.bin",
            "--version", version, "--security-version", svn, "--hardware-id", HWID,
        )  # fmt: skip
        assert code == 0, err
    provision(tmp_path / "device", v1, Release("images/fw-1.0.0.bin", "1.0.0", 1, (HWID,)))
    with serve_in_thread(repo / "public") as server:
        updater = DeviceUpdater(
            tmp_path / "device",
            metadata_url=f"{server.url}/metadata",
            targets_url=f"{server.url}/targets",
            trusted_root=(repo / "public" / "metadata" / "1.root.json").read_bytes(),
            hardware_id=HWID,
        )
        result = updater.update()
    assert result is not None and result.release.version == "2.0.0"  # type: ignore[union-attr]
    assert (tmp_path / "device" / "slots" / "b" / "image").read_bytes() == v2.data


def test_expiry_and_root_passphrase_from_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    code, _, err = run(capsys, "update", "init", str(repo), "--expiry", "timestamp=0")
    assert code == 2 and "ROLE=DAYS" in err
    monkeypatch.setenv("SECURABLE_UPDATE_ROOT_PASSPHRASE", "s3cret")
    assert run(capsys, "update", "init", str(repo), "--expiry", "timestamp=2")[0] == 0
    timestamp = json.loads((repo / "public" / "metadata" / "timestamp.json").read_bytes())["signed"]
    lifetime = datetime.datetime.fromisoformat(timestamp["expires"]) - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(days=1, hours=23) < lifetime <= datetime.timedelta(days=2)
    monkeypatch.setenv("SECURABLE_UPDATE_ROOT_PASSPHRASE", "wrong")
    code, _, err = run(capsys, "update", "rotate-key", str(repo), "root")
    assert code == 2 and "passphrase" in err
    monkeypatch.setenv("SECURABLE_UPDATE_ROOT_PASSPHRASE", "s3cret")
    assert run(capsys, "update", "rotate-key", str(repo), "root")[0] == 0

"""``securable device identity show/verify`` and ``securable device log verify``: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from securable._cli import main
from securable.device import _crypto
from securable.device.identity import IdentityVerifier, ManufacturerCA, provision_device
from securable.device.keystore import FileKeystore
from securable.device.seclog import SecurityLog


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
        raise SystemExit(0)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture
def provisioned(tmp_path: Path) -> tuple[ManufacturerCA, Path, FileKeystore]:
    ca = ManufacturerCA.create(tmp_path / "factory", "Acme")
    keystore = FileKeystore(tmp_path / "keys")
    provision_device(ca, keystore, tmp_path / "identity", serial_number="SN-42", model="GW-1")
    return ca, tmp_path / "identity", keystore


def test_identity_show_json_and_qr(
    provisioned: tuple[ManufacturerCA, Path, FileKeystore], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ident, _keystore = provisioned
    code, out, _ = run(
        ["device", "identity", "show", str(ident), "--json", "--qr", str(tmp_path / "l.svg")], capsys
    )
    assert code == 0
    info = json.loads(out)
    assert info["serial_number"] == "SN-42" and info["model"] == "GW-1"
    assert info["logical_id"].startswith("urn:uuid:")
    assert "<svg" in (tmp_path / "l.svg").read_text()


def test_identity_verify_exit_codes(
    provisioned: tuple[ManufacturerCA, Path, FileKeystore], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca, ident, _ = provisioned
    root = ca.directory / "root.pem"
    code, out, _ = run(["device", "identity", "verify", str(ident), "--root", str(root)], capsys)
    assert (code, out.split(":")[0]) == (0, "VERIFIED") and "SN-42" in out

    other = ManufacturerCA.create(tmp_path / "other", "Acme")
    code, out, _ = run(
        ["device", "identity", "verify", str(ident), "--root", str(other.directory / "root.pem")], capsys
    )
    assert code == 1 and out.startswith("REFUSED")

    code, _, err = run(
        ["device", "identity", "verify", str(tmp_path / "nope.pem"), "--root", str(root)], capsys
    )
    assert code == 2 and "cannot read" in err
    (tmp_path / "junk.pem").write_text("hello")
    code, _, err = run(
        ["device", "identity", "verify", str(tmp_path / "junk.pem"), "--root", str(root)], capsys
    )
    assert code == 2


def test_identity_verify_a_recorded_proof(
    provisioned: tuple[ManufacturerCA, Path, FileKeystore], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from securable.device.identity import DeviceIdentity

    ca, ident, keystore = provisioned
    device = DeviceIdentity.load(ident, keystore)
    challenge = IdentityVerifier([ca.root]).challenge()
    (tmp_path / "proof.json").write_text(json.dumps(device.prove(challenge).to_json()))
    base = ["device", "identity", "verify", str(ident), "--root", str(ca.directory / "root.pem")]
    code, out, _ = run(
        [*base, "--proof", str(tmp_path / "proof.json"), "--challenge", challenge.hex()], capsys
    )
    assert code == 0, out
    code, out, _ = run([*base, "--proof", str(tmp_path / "proof.json"), "--challenge", "00" * 32], capsys)
    assert code == 1 and "signature" in out


def test_log_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keystore = FileKeystore(tmp_path / "keys")
    keystore.generate("idevid")
    log = SecurityLog(tmp_path / "log", keystore=keystore, key_id="idevid", checkpoint_every=5)
    for i in range(12):
        log.record("auth.failure", "failure", principal="admin", attempt=i)
    log.checkpoint()
    log.close()
    pem = tmp_path / "device.pub"
    pem.write_bytes(_crypto.public_key_to_pem(keystore.public_key("idevid")))

    code, out, _ = run(["device", "log", "verify", str(tmp_path / "log"), "--pubkey", str(pem)], capsys)
    assert code == 0 and out.startswith("VERIFIED: ")

    segment = next((tmp_path / "log").glob("segment-*.jsonl"))
    lines = segment.read_bytes().split(b"\n")
    lines[7] = lines[7].replace(b'"attempt":7', b'"attempt":8')
    segment.write_bytes(b"\n".join(lines))
    code, out, _ = run(
        ["device", "log", "verify", str(tmp_path / "log"), "--pubkey", str(pem), "--json"], capsys
    )
    assert code == 1 and json.loads(out)["first_bad_index"] == 7

    code, _, err = run(["device", "log", "verify", str(tmp_path / "missing")], capsys)
    assert code == 2 and "does not exist" in err
    (tmp_path / "bad.pem").write_text("not a key")
    code, _, _ = run(
        ["device", "log", "verify", str(tmp_path / "log"), "--pubkey", str(tmp_path / "bad.pem")], capsys
    )
    assert code == 2

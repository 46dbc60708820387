"""Attacks on the security log (issue 19, items 1 and 2): false tamper alarms after rotation, and a
rewritten log whose checkpoints were deleted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from securable._cli import main
from securable.device.principal import Principal, Role
from securable.device.seclog import DeviceState, leaf_hash, security_state, verify_log
from tests.device.seclog_kit import Clock, keystore, open_log

OWNER = Principal("alice", Role.OWNER, "192.0.2.10")


# --- 1. a clean log must not report tampering after rotation ------------------------------------


@pytest.mark.parametrize("segment", [2, 3, 7, 20, 64])
def test_rotation_with_key_use_logging_verifies_across_restarts(tmp_path: Path, segment: int) -> None:
    keys, pem = keystore(tmp_path)
    clock = Clock()
    log = open_log(tmp_path, keys, clock, segment_max_records=segment, checkpoint_every=11)
    for i in range(30):
        log.record("auth.failure", "failure", attempt=i)
    result = verify_log(tmp_path / "log", pem)
    assert result.ok, result.reason
    # a restart without close (power cut: the object is simply abandoned) ...
    log = open_log(tmp_path, keys, clock, segment_max_records=segment, checkpoint_every=11)
    for i in range(30):
        log.record("auth.success", "success", attempt=i)
    log.close()  # ... and a clean one
    log = open_log(tmp_path, keys, clock, segment_max_records=segment, checkpoint_every=11)
    for i in range(30):
        log.record("config.change", "success", n=i)
    result = log.verify()
    assert result.ok, result.reason
    assert verify_log(tmp_path / "log", pem).ok
    assert len(list((tmp_path / "log").glob("segment-*.jsonl"))) >= 90 // max(segment, 1) // 2
    rotations = [r for r in log.records() if r["event"] == "log.rotate"]
    assert rotations and all(r["details"]["checkpoint"]["size"] == r["index"] for r in rotations)


def test_rotation_at_the_default_size_does_not_raise_a_false_alarm(tmp_path: Path) -> None:
    keys, pem = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock(), segment_max_records=500, checkpoint_every=100)
    for i in range(1200):
        log.record("auth.failure", "failure", attempt=i)
    assert verify_log(tmp_path / "log", pem).ok


# --- 2. a log without checkpoints must not verify with a public key ------------------------------


def _relink(lines: list[bytes], start: int) -> list[bytes]:
    """What an attacker with disk access does after an edit: recompute every later ``prev``."""
    out = list(lines[:start])
    for line in lines[start:]:
        record = json.loads(line)
        record["prev"] = leaf_hash(out[-1]).hex() if out else "00" * 32
        out.append(json.dumps(record, separators=(",", ":"), ensure_ascii=True).encode())
    return out


def _rewrite(directory: Path, edit_index: int) -> None:
    segment = next(directory.glob("segment-*.jsonl"))
    lines = segment.read_bytes().rstrip(b"\n").split(b"\n")
    lines[edit_index] = lines[edit_index].replace(b'"failure"', b'"success"', 1)
    segment.write_bytes(b"\n".join(_relink(lines, edit_index)) + b"\n")


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
        raise SystemExit(0)
    return int(exc.value.code or 0), capsys.readouterr().out


def test_relinked_log_without_checkpoints_does_not_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys, pem = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock(), checkpoint_every=50)
    for i in range(190):
        log.record("auth.failure", "failure", attempt=i)
    log.close()
    assert verify_log(tmp_path / "log", pem).ok
    (tmp_path / "log" / "checkpoints.jsonl").unlink()
    _rewrite(tmp_path / "log", 120)
    result = verify_log(tmp_path / "log", pem)
    assert not result.ok and not result.covered
    assert "no valid signed checkpoint" in result.reason
    (tmp_path / "device.pub").write_bytes(pem)
    code, out = _cli(
        ["device", "log", "verify", str(tmp_path / "log"), "--pubkey", str(tmp_path / "device.pub")], capsys
    )
    assert code == 1 and "VERIFIED" not in out and f"0 of {result.size} records" in out


def test_records_uncovered_beyond_the_checkpoint_interval_do_not_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys, pem = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock(), checkpoint_every=1000)
    for i in range(1300):
        log.record("auth.failure", "failure", attempt=i)
    log.close()
    checkpoints = tmp_path / "log" / "checkpoints.jsonl"
    first = checkpoints.read_bytes().split(b"\n")[0]
    assert json.loads(first)["size"] < 10  # the log sealed itself early
    checkpoints.write_bytes(first + b"\n")  # the attacker keeps only the first checkpoint ...
    _rewrite(tmp_path / "log", 200)  # ... and rewrites everything after it
    result = verify_log(tmp_path / "log", pem)
    assert not result.ok and result.covered == json.loads(first)["size"]
    assert "checkpoint interval" in result.reason
    (tmp_path / "device.pub").write_bytes(pem)
    code, out = _cli(
        ["device", "log", "verify", str(tmp_path / "log"), "--pubkey", str(tmp_path / "device.pub")], capsys
    )
    assert code == 1 and f"{result.covered} of {result.size} records" in out
    # a collector that knows a smaller interval can hold the log to it
    assert not verify_log(tmp_path / "log", pem, max_unsealed=10).ok


def test_a_fresh_signed_log_verifies_before_its_first_interval(tmp_path: Path) -> None:
    keys, pem = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock())
    for i in range(5):
        log.record("auth.success", "success", n=i)
    result = verify_log(tmp_path / "log", pem)
    assert result.ok and result.covered >= 1, result.reason


def test_export_with_key_use_logging_terminates_and_verifies(tmp_path: Path) -> None:
    """Found while fixing rotation: sealing for export logged a key.use, which it then sealed, forever."""
    from securable.device.seclog import Checkpoint, export_json, verify_checkpoint, verify_export

    keys, pem = keystore(tmp_path)
    log = open_log(tmp_path, keys, Clock())
    for i in range(5):
        log.record("auth.success", "success", n=i)
    doc = export_json(log)
    checkpoint = Checkpoint.from_json(doc["checkpoint"])
    assert verify_export(doc["records"], checkpoint) and verify_checkpoint(checkpoint, pem)
    assert json.loads(doc["records"][-1])["event"] == "log.export"


def test_a_log_rewritten_while_the_device_was_off_is_not_laundered_by_its_next_seal(tmp_path: Path) -> None:
    keys, _ = keystore(tmp_path)
    clock = Clock()
    log = open_log(tmp_path, keys, clock, checkpoint_every=50)
    for i in range(190):
        log.record("auth.failure", "failure", attempt=i)
    log.close()
    (tmp_path / "log" / "checkpoints.jsonl").unlink()
    _rewrite(tmp_path / "log", 120)
    log = open_log(tmp_path, keys, clock, checkpoint_every=50)  # the next boot seals what it finds ...
    log.record("auth.success", "success")
    assert log.verify().ok  # ... so the records verify from now on, but the evidence is sealed in:
    tamper = [r for r in log.records() if r["event"] == "log.tamper"]
    assert len(tamper) == 1 and "no checkpoint" in tamper[0]["details"]["reason"]
    report = security_state(log, OWNER)
    assert report.state is DeviceState.DEGRADED and "altered while the device was off" in report.reasons[0]


@pytest.mark.parametrize("attack", ["edit-first-checkpoint-kept", "truncate", "forged-checkpoint"])
def test_other_rewrites_while_off_are_recorded_at_start_up(tmp_path: Path, attack: str) -> None:
    keys, _ = keystore(tmp_path)
    clock = Clock()
    log = open_log(tmp_path, keys, clock, checkpoint_every=50)
    for i in range(120):
        log.record("auth.failure", "failure", attempt=i)
    log.close()
    directory = tmp_path / "log"
    checkpoints = directory / "checkpoints.jsonl"
    if attack == "edit-first-checkpoint-kept":
        _rewrite(directory, 30)
    elif attack == "truncate":
        segment = next(directory.glob("segment-*.jsonl"))
        segment.write_bytes(b"".join(line + b"\n" for line in segment.read_bytes().split(b"\n")[:60]))
    else:
        last = json.loads(checkpoints.read_bytes().split(b"\n")[-2])
        last["root"] = "00" * 32
        checkpoints.write_bytes(checkpoints.read_bytes() + json.dumps(last).encode() + b"\n")
    log = open_log(tmp_path, keys, clock, checkpoint_every=50)
    assert log.start_up_problem
    log.record("auth.success", "success")
    assert [r["event"] for r in log.records()].count("log.tamper") == 1


def test_a_clean_restart_records_no_tampering(tmp_path: Path) -> None:
    keys, _ = keystore(tmp_path)
    clock = Clock()
    for _ in range(3):
        log = open_log(tmp_path, keys, clock, checkpoint_every=7)
        for i in range(20):
            log.record("auth.success", "success", n=i)
    assert "log.tamper" not in {r["event"] for r in log.records()}
    assert security_state(log, OWNER).state is DeviceState.EXPECTED

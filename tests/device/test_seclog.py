"""The security log: records, signed checkpoints, each tamper class pinned to its index,
proofs a collector checks with the public key alone, rotation, export, crash consistency."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from securable.device import _crypto
from securable.device.principal import Principal, Role
from securable.device.seclog import (
    Checkpoint,
    SecurityEvent,
    SecurityLog,
    export_json,
    export_syslog,
    leaf_hash,
    send_syslog,
    verify_checkpoint,
    verify_consistency,
    verify_export,
    verify_inclusion,
    verify_log,
)
from securable.device.update.events import SecurityEventSink
from securable.errors import SecurityLogError
from tests.device.seclog_kit import Clock


@pytest.fixture
def key() -> _crypto.PrivateKey:
    return _crypto.generate_private_key()


def make_log(directory: Path, key: _crypto.PrivateKey, **kw: object) -> SecurityLog:
    return SecurityLog(
        directory,
        signer=lambda data: _crypto.sign(key, data),
        public_key=key.public_key(),
        clock=Clock(),
        **kw,  # type: ignore[arg-type]
    )


def filled(directory: Path, key: _crypto.PrivateKey, n: int = 12, **kw: object) -> SecurityLog:
    log = make_log(directory, key, **kw)
    owner = Principal("alice", Role.OWNER, "127.0.0.1")
    for i in range(n):
        log.record(SecurityEvent.AUTH_FAILURE if i % 3 else SecurityEvent.AUTH_SUCCESS, "failure", owner, n=i)
    log.checkpoint()
    return log


def segment(directory: Path) -> Path:
    return directory / "segment-00000001.jsonl"


def edit_lines(directory: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path = segment(directory)
    lines = path.read_bytes().split(b"\n")[:-1]
    path.write_bytes(b"".join(line + b"\n" for line in change(lines)))


def test_records_are_json_lines_with_the_documented_fields(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    log = make_log(tmp_path, key)
    index = log.record(SecurityEvent.CONFIG_CHANGE, "success", Principal("a", Role.OWNER), setting="x")
    assert index == 0
    rec = next(log.records())
    assert set(rec) == {"index", "time", "event", "outcome", "principal", "details", "prev"}
    assert rec["event"] == "config.change" and rec["details"] == {"setting": "x"}
    assert rec["principal"] == {"name": "a", "role": "owner", "source": None}
    assert rec["time"] == "2026-01-01T00:00:01+00:00"  # the injected clock
    result = log.verify()  # the log sealed itself after its first record
    assert result.ok and result.size == 1 and result.unsealed == 0 and result.covered == 1


def test_clean_log_verifies_with_signed_checkpoint(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    log = filled(tmp_path, key, checkpoint_every=5)
    result = log.verify()
    assert result.ok and result.signed and result.size == 12 and result.unsealed == 0
    assert result.checkpoint is not None and verify_checkpoint(result.checkpoint, key.public_key())
    other = _crypto.generate_private_key()
    assert not verify_log(tmp_path, other.public_key()).ok  # wrong key: signatures fail


def test_edit_is_found_at_its_index(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key)
    edit_lines(
        tmp_path,
        lambda ls: [ls[i].replace(b'"failure"', b'"success"') if i == 5 else ls[i] for i in range(len(ls))],
    )
    result = verify_log(tmp_path, key.public_key())
    assert not result.ok and result.first_bad_index == 5, result


def test_edit_of_a_link_is_found_at_its_index(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key)

    def relink(ls: list[bytes]) -> list[bytes]:
        rec = json.loads(ls[7])
        rec["prev"] = "00" * 32
        ls[7] = json.dumps(rec, separators=(",", ":")).encode()
        return ls

    edit_lines(tmp_path, relink)
    assert verify_log(tmp_path, key.public_key()).first_bad_index == 7


def test_deletion_is_found_at_its_index(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key)
    edit_lines(tmp_path, lambda ls: ls[:4] + ls[5:])
    result = verify_log(tmp_path, key.public_key())
    assert not result.ok and result.first_bad_index == 4 and "deleted" in result.reason


def test_reordering_is_found_at_its_index(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key)
    edit_lines(tmp_path, lambda ls: [*ls[:3], ls[4], ls[3], *ls[5:]])
    assert verify_log(tmp_path, key.public_key()).first_bad_index == 3


def test_insertion_is_found_at_its_index(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key)

    def insert(ls: list[bytes]) -> list[bytes]:
        forged = json.loads(ls[6])
        forged["event"] = "auth.success"
        forged["prev"] = leaf_hash(ls[5]).hex()  # a careful forger links it correctly
        return [*ls[:6], json.dumps(forged, separators=(",", ":")).encode(), *ls[6:]]

    edit_lines(tmp_path, insert)
    assert verify_log(tmp_path, key.public_key()).first_bad_index == 6


def test_replayed_record_is_found_at_its_position(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key)
    edit_lines(tmp_path, lambda ls: [*ls[:9], ls[2], *ls[9:]])
    assert verify_log(tmp_path, key.public_key()).first_bad_index == 9


def test_truncation_is_found_against_the_checkpoint(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    log = filled(tmp_path, key)
    edit_lines(tmp_path, lambda ls: ls[:9])
    result = verify_log(tmp_path, key.public_key())
    assert not result.ok and result.first_bad_index == 9 and "truncated" in result.reason
    # Truncating the checkpoint file too is caught by the checkpoint a collector kept.
    kept = log.checkpoint()
    (tmp_path / "checkpoints.jsonl").write_text("")
    assert verify_log(tmp_path).ok  # on its own the shortened log looks fine …
    assert verify_log(tmp_path, trusted_checkpoint=kept).first_bad_index == 9  # … but not to the collector


def test_consistent_rewrite_is_caught_by_the_signature(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key, checkpoint_every=4)
    lines = segment(tmp_path).read_bytes().split(b"\n")[:-1]
    # Rebuild records 6.. with a changed outcome and correct links: only the signed roots disagree.
    prev = bytes.fromhex(json.loads(lines[6])["prev"])
    rewritten = lines[:6]
    for line in lines[6:]:
        rec = json.loads(line)
        rec["outcome"], rec["prev"] = "success", prev.hex()
        new = json.dumps(rec, separators=(",", ":")).encode()
        rewritten.append(new)
        prev = leaf_hash(new)
    segment(tmp_path).write_bytes(b"".join(x + b"\n" for x in rewritten))
    result = verify_log(tmp_path, key.public_key())
    # checkpoints at sizes 1 (first record), 5, 9, 12: the first root that differs covers 5..8
    assert not result.ok and result.first_bad_index == 5 and "rewritten" in result.reason


def test_forged_checkpoint_signature_is_refused(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key, checkpoint_every=5)
    path = tmp_path / "checkpoints.jsonl"
    cps = [json.loads(x) for x in path.read_text().splitlines()]
    cps[-1]["signature"] = cps[0]["signature"]
    path.write_text("".join(json.dumps(c) + "\n" for c in cps))
    assert "signature" in verify_log(tmp_path, key.public_key()).reason


def test_collector_checks_proofs_with_only_checkpoints_and_public_key(
    tmp_path: Path, key: _crypto.PrivateKey
) -> None:
    log = filled(tmp_path, key, n=5)
    old = log.checkpoint()
    for i in range(9):
        log.record(SecurityEvent.KEY_USE, "success", key_id="k", n=i)
    new = log.checkpoint()
    public_pem = _crypto.public_key_to_pem(key.public_key())
    # What travels: two signed checkpoints, one record line, two proofs.
    old = Checkpoint.from_json(json.loads(old.dumps()))
    new = Checkpoint.from_json(json.loads(new.dumps()))
    assert verify_checkpoint(old, public_pem) and verify_checkpoint(new, public_pem)
    assert verify_consistency(
        old.size, new.size, old.root_hash, new.root_hash, log.consistency_proof(old.size, new.size)
    )
    line = log.record_line(7)
    proof = log.inclusion_proof(7, new.size)
    assert verify_inclusion(leaf_hash(line), 7, new.size, proof, new.root_hash)
    assert not verify_inclusion(leaf_hash(line + b" "), 7, new.size, proof, new.root_hash)


def test_rotation_keeps_the_chain(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    log = filled(tmp_path, key, n=25, segment_max_records=10)
    segments = sorted(tmp_path.glob("segment-*.jsonl"))
    assert len(segments) == 3
    first_of_second = json.loads(segments[1].read_bytes().split(b"\n")[0])
    assert first_of_second["event"] == "log.rotate" and first_of_second["details"]["checkpoint"]["size"] == 10
    result = log.verify()
    assert result.ok and result.size == log.size
    # Remove the middle segment: the gap is found where the third one starts.
    start = json.loads(segments[2].read_bytes().split(b"\n")[0])["index"]
    segments[1].unlink()
    assert verify_log(tmp_path, key.public_key()).first_bad_index == 10 < start


def test_reopening_continues_the_same_tree(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    filled(tmp_path, key, n=6).close()
    log = make_log(tmp_path, key)
    assert log.size == 6
    log.record(SecurityEvent.RESET, "success")
    assert log.verify().ok and log.size == 7


def test_exports_carry_a_checkpoint_that_seals_them(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    log = filled(tmp_path, key, n=4)
    doc = export_json(log)
    cp = Checkpoint.from_json(doc["checkpoint"])
    assert verify_checkpoint(cp, doc["public_key"]) and verify_export(doc["records"], cp)
    assert json.loads(doc["records"][-1])["event"] == "log.export"
    assert not verify_export([*doc["records"][:-1], doc["records"][0]], cp)
    lines = export_syslog(log, hostname="thermostat-1")
    assert lines[0].startswith(
        "<84>1 2026-01-01T00:00:01+00:00 thermostat-1 securable - auth.success [seclog@32473 "
    )
    assert lines[-1].split(" ")[5] == "checkpoint" and 'size="' in lines[-1]
    assert len(lines) == log.size + 1


def test_bad_directory_and_key_are_reported(tmp_path: Path) -> None:
    with pytest.raises(SecurityLogError, match="does not exist"):
        verify_log(tmp_path / "missing")
    with pytest.raises(SecurityLogError, match="public key"):
        SecurityLog(tmp_path, signer=lambda d: d)
    with pytest.raises(SecurityLogError, match="PEM"):
        verify_log(tmp_path, b"not a key")


def test_satisfies_the_update_event_sink_protocol(tmp_path: Path) -> None:
    sink: SecurityEventSink = SecurityLog(tmp_path)
    sink.record("update.install", "failure", version="2.0.0", principal=None)
    assert next(SecurityLog(tmp_path).records())["details"] == {"version": "2.0.0"}


CHILD = textwrap.dedent(
    """
    import sys
    from securable.device.seclog import SecurityLog
    log = SecurityLog(sys.argv[1], checkpoint_every=50)
    print("ready", flush=True)
    i = 0
    while True:
        log.record("auth.failure", "failure", n=i, pad="x" * 2000)
        i += 1
    """
)


@pytest.mark.integration
def test_kill_9_during_append_leaves_a_verifiable_log(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and segment(tmp_path).stat().st_size < 400_000:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    data = segment(tmp_path).read_bytes()
    if data.endswith(b"\n"):  # make the torn write certain rather than lucky
        segment(tmp_path).write_bytes(data + data[-1500:-700])
    result = verify_log(tmp_path)
    assert result.ok and result.torn_tail and result.size > 100
    log = SecurityLog(tmp_path)  # reopening cuts the partial record and says so
    assert log.size == result.size + 1 and list(log.records())[-1]["event"] == "log.recover"
    assert log.verify().ok and not log.verify().torn_tail


def test_checkpoints_signed_by_a_keystore_that_logs_its_own_use(tmp_path: Path) -> None:
    from securable.device.keystore import FileKeystore

    keystore = FileKeystore(tmp_path / "keys")
    keystore.generate("device-id")
    log = SecurityLog(tmp_path / "log", keystore=keystore, key_id="device-id", clock=Clock())
    keystore.attach_log(log)  # the signature made for the checkpoint is itself logged, after it
    log.record(SecurityEvent.AUTH_SUCCESS, "success")  # sealed at once: the first record
    assert [r["event"] for r in log.records()] == ["auth.success", "key.use"]
    cp = log.checkpoint()
    assert cp.size == 2 and log.size == 3
    assert list(log.records())[-1]["event"] == "key.use"
    result = verify_log(tmp_path / "log", keystore.public_key("device-id"))
    assert result.ok and result.signed and result.unsealed == 1


def _read_octet_counted(conn: socket.socket) -> list[bytes]:
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    frames = []
    while data:
        length, _, rest = data.partition(b" ")
        frames.append(rest[: int(length)])
        data = rest[int(length) :]
    return frames


@pytest.mark.integration
def test_syslog_export_reaches_a_collector_that_verifies_it(tmp_path: Path, key: _crypto.PrivateKey) -> None:
    log = filled(tmp_path, key, n=5)
    lines = export_syslog(log, hostname="thermostat-1")
    received: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def collect() -> None:
            conn, _ = server.accept()
            with conn:
                received.extend(_read_octet_counted(conn))

        thread = threading.Thread(target=collect)
        thread.start()
        assert send_syslog(lines, "127.0.0.1", port) == len(lines)
        thread.join(timeout=10)
    assert [r.decode() for r in received] == lines
    # The collector: rebuild the checkpoint from the last message and check the records against it.
    checkpoint = Checkpoint.from_json(json.loads(received[-1].decode().split("] ", 1)[1]))
    records = [r.decode().split("] ", 1)[1] for r in received[:-1]]
    assert verify_checkpoint(checkpoint, _crypto.public_key_to_pem(key.public_key()))
    assert verify_export(records, checkpoint)  # MSG is the exact record: no re-serializing

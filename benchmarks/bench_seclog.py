"""Security log and keystore benchmarks, each against a baseline measured in the same run.

1. Appends: ``SecurityLog.record`` (canonical JSON line, RFC 6962 leaf + compact-range update,
   write to the segment; a P-256-signed, fsynced checkpoint every 1,000 records) against
   (a) plain line appends of the same records to a file and (b) a plain hashlib SHA-256 hash
   chain over the same lines, written the same way. Goal: >= 50,000 appends/s.
2. Verification: ``verify_log`` (parse, index and link checks, Merkle leaves and roots,
   checkpoint signatures) against recomputing the hash chain over the same file.
   Goal: >= 200,000 records/s.
3. Signing: P-256 signatures per second through ``Pkcs11Keystore`` on a SoftHSM2 token (created
   for the run in a temporary directory) against ``FileKeystore``.

    .venv/bin/python -m benchmarks.bench_seclog            # 20,000 records
    .venv/bin/python -m benchmarks.bench_seclog --full     # 200,000 records
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from securable.device.keystore import FileKeystore, Keystore, Pkcs11Keystore
from securable.device.seclog import SecurityLog, verify_log

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _details(i: int) -> dict[str, object]:
    return {"source": "127.0.0.1", "username": f"user{i % 17}", "attempt": i}


def bench_append(n: int, folder: Path) -> tuple[float, float, float, Path, FileKeystore]:
    keystore = FileKeystore(folder / "keys")
    keystore.generate("device")
    log_dir = folder / "log"

    def seclog() -> None:
        log = SecurityLog(log_dir, keystore=keystore, key_id="device", checkpoint_every=1000)
        for i in range(n):
            log.record("auth.failure", "failure", None, **_details(i))
        log.close()

    def plain() -> None:
        with (folder / "plain.jsonl").open("ab", buffering=0) as fh:
            for i in range(n):
                rec = {"index": i, "event": "auth.failure", "outcome": "failure", "details": _details(i)}
                fh.write(json.dumps(rec, separators=(",", ":")).encode() + b"\n")

    def chain() -> None:
        h = bytes(32)
        with (folder / "chain.jsonl").open("ab", buffering=0) as fh:
            for i in range(n):
                rec = {"index": i, "event": "auth.failure", "outcome": "failure", "details": _details(i)}
                line = json.dumps({**rec, "prev": h.hex()}, separators=(",", ":")).encode()
                fh.write(line + b"\n")
                h = hashlib.sha256(h + line).digest()

    return _timed(seclog), _timed(plain), _timed(chain), log_dir, keystore


def bench_verify(log_dir: Path, keystore: FileKeystore, folder: Path) -> tuple[float, float, int]:
    result = None

    def merkle() -> None:
        nonlocal result
        result = verify_log(log_dir, keystore.public_key("device"))

    def chain() -> None:
        h = bytes(32)
        for line in (folder / "chain.jsonl").read_bytes().split(b"\n")[:-1]:
            if bytes.fromhex(json.loads(line)["prev"]) != h:
                raise AssertionError("chain broken")
            h = hashlib.sha256(h + line).digest()

    t_merkle = _timed(merkle)
    assert result is not None and result.ok, result
    return t_merkle, _timed(chain), result.size


def _sign_rate(keystore: Keystore, key_id: str, seconds: float = 1.0) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        keystore.sign(key_id, b"checkpoint %d" % count)
        count += 1
    return count / (time.perf_counter() - start)


def bench_signing(folder: Path) -> tuple[float, float | None]:
    file_ks = FileKeystore(folder / "sign-keys")
    file_ks.generate("k")
    file_rate = _sign_rate(file_ks, "k")
    if not Path(SOFTHSM).exists() or shutil.which("softhsm2-util") is None:
        return file_rate, None
    tokens = folder / "tokens"
    tokens.mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "bench", "--pin", "1234", "--so-pin", "5678"],
        check=True,
        capture_output=True,
    )
    with Pkcs11Keystore(SOFTHSM, "bench", "1234") as token:
        token.generate("k")
        return file_rate, _sign_rate(token, "k")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="200,000 records instead of 20,000")
    args = parser.parse_args()
    n = 200_000 if args.full else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t_log, t_plain, t_chain, log_dir, keystore = bench_append(n, folder)
        print(f"appends ({n:,} records, signed checkpoint every 1,000):")
        print(f"  SecurityLog.record      {n / t_log:>10,.0f} /s")
        print(
            f"  plain line appends      {n / t_plain:>10,.0f} /s   ratio seclog/plain = {t_plain / t_log:.2f}"
        )
        print(
            f"  hashlib hash chain      {n / t_chain:>10,.0f} /s   ratio seclog/chain = {t_chain / t_log:.2f}"
        )
        t_verify, t_chain_verify, size = bench_verify(log_dir, keystore, folder)
        print(f"verification ({size:,} records):")
        print(f"  verify_log              {size / t_verify:>10,.0f} /s")
        print(
            f"  hash chain recompute    {n / t_chain_verify:>10,.0f} /s   "
            f"ratio merkle/chain = {t_chain_verify / t_verify * size / n:.2f}"
        )
        file_rate, p11_rate = bench_signing(folder)
        print("P-256 signatures:")
        print(f"  FileKeystore            {file_rate:>10,.0f} /s")
        if p11_rate is None:
            print("  Pkcs11Keystore          (SoftHSM2 not installed)")
        else:
            ratio = p11_rate / file_rate
            print(f"  Pkcs11Keystore/SoftHSM2 {p11_rate:>10,.0f} /s   ratio pkcs11/file = {ratio:.2f}")


if __name__ == "__main__":
    main()

"""Vault, crypto-erase and login benchmarks, each against a baseline measured in the same run.

1. Vault throughput: ``Vault.put``/``Vault.get`` of one large record (data key per record, key
   wrap, header as associated data, file write/read) against raw AES-256-GCM from pyca on the
   same payload in memory. Goal: ratio (raw time / vault time) >= 0.7.
2. Crypto-erase: ``Vault.erase_user`` with a small and a large amount of stored data (1 MiB
   records). Goal: both well under 50 ms, ratio near 1 — the key destruction does not depend on
   the data volume; what remains is removing the files.
3. Login: argon2id verifications per second with the device's parameters and with argon2-cffi's
   defaults (RFC 9106 low-memory), i.e. the price of a login and of an offline guess.

    .venv/bin/python -m benchmarks.bench_vault            # 8 MiB record; erase 1 MiB vs 64 MiB
    .venv/bin/python -m benchmarks.bench_vault --full     # 64 MiB record; erase 1 MiB vs 1 GiB
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from securable.device.access.passwords import DEFAULT_HASHER_PARAMETERS, new_password_hasher
from securable.device.keystore import FileKeystore
from securable.device.protect import Vault

MIB = 1 << 20


def _keystore(folder: Path) -> FileKeystore:
    """The device's file keystore (no passphrase), with the device signing key for receipts."""
    keystore = FileKeystore(folder)
    keystore.generate("device")
    return keystore


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_throughput(tmp: Path, size_mib: int, runs: int) -> None:
    payload = os.urandom(size_mib * MIB)
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    aead = AESGCM(key)
    sealed = aead.encrypt(nonce, payload, b"aad")
    raw_enc = best_of(runs, lambda: aead.encrypt(nonce, payload, b"aad"))
    raw_dec = best_of(runs, lambda: aead.decrypt(nonce, sealed, b"aad"))
    raw_file = tmp / "raw.bin"

    def raw_write() -> None:
        with raw_file.open("wb") as handle:
            handle.write(nonce)
            handle.write(aead.encrypt(nonce, payload, b"aad"))

    def raw_read() -> None:
        blob = memoryview(raw_file.read_bytes())
        aead.decrypt(blob[:12], blob[12:], b"aad")

    raw_write()
    raw_put = best_of(runs, raw_write)
    raw_get = best_of(runs, raw_read)
    vault = Vault(tmp / "vault", _keystore(tmp / "keys"), signing_key="device", durable=False)
    vault.put("owner", "warmup", b"x")
    # the vault's whole cryptographic path (KEK lookup, fresh data key, key wrap, header as
    # associated data, AEAD) in memory: the like-for-like comparison with raw AES-GCM ...
    seal = best_of(runs, lambda: vault._seal("owner", "big", 1, payload))
    record = memoryview(b"".join(vault._seal("owner", "big", 1, payload)))
    unseal = best_of(runs, lambda: vault._unseal("owner", "big", record))
    # ... and put/get, which add an atomic file write (no fsync) and a file read; compared with raw
    # AES-GCM alone and with raw AES-GCM plus the same file write/read ("raw+file")
    put = best_of(runs, lambda: vault.put("owner", "big", payload))
    get = best_of(runs, lambda: vault.get("owner", "big"))
    assert vault.get("owner", "big") == payload
    print(f"vault throughput, one {size_mib} MiB record (best of {runs}); ratio = raw time / vault time:")
    for label, raw, ours in (
        ("seal (memory)", raw_enc, seal),
        ("open (memory)", raw_dec, unseal),
        ("put (file)", raw_enc, put),
        ("get (file)", raw_dec, get),
        ("put vs raw+file", raw_put, put),
        ("get vs raw+file", raw_get, get),
    ):
        print(
            f"  {label:15s} baseline {size_mib / raw:7.0f} MiB/s   vault {size_mib / ours:7.0f} MiB/s"
            f"   ratio {raw / ours:.2f} (goal >= 0.7)"
        )


def bench_erase(tmp: Path, sizes_mib: tuple[int, int]) -> None:
    results = []
    for size in sizes_mib:
        vault = Vault(
            tmp / f"erase{size}", _keystore(tmp / f"keys{size}"), signing_key="device", durable=False
        )
        block = os.urandom(MIB)
        vault.put("warmup", "r", b"x")
        vault.erase_user("warmup")  # first signature and key loads out of the measurement
        for i in range(size):
            vault.put("alice", f"r{i}", block)
        start = time.perf_counter()
        receipt = vault.erase_user("alice", defer_removal=True)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        vault.purge_erased()
        removal = time.perf_counter() - start
        results.append(elapsed)
        print(
            f"  erase {size:5d} MiB in {receipt.records:5d} records: crypto-erase + signed receipt"
            f" {elapsed * 1000:6.1f} ms (key destructions: {receipt.key_destroy_operations});"
            f" then removing the files {removal * 1000:6.1f} ms"
        )
    print(
        f"  crypto-erase ratio large/small: {results[1] / results[0]:.2f} (goal: both < 50 ms, ratio near 1)"
    )


def bench_login(runs: int) -> None:
    print("argon2id login verification:")
    for label, hasher in (
        (f"device {DEFAULT_HASHER_PARAMETERS}", new_password_hasher()),
        ("argon2-cffi default (t=3, m=64 MiB, p=4)", PasswordHasher()),
    ):
        stored = hasher.hash("a-label-credential-1234")
        per = best_of(runs, lambda h=hasher, s=stored: h.verify(s, "a-label-credential-1234"))  # type: ignore[misc]
        print(f"  {label:48s} {per * 1000:6.1f} ms/verify  {1 / per:6.1f} verifications/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--full", action="store_true", help="64 MiB record; erase 1 MiB vs 1 GiB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        bench_throughput(tmp, 64 if args.full else 8, runs=3 if args.full else 5)
        print("crypto-erase:")
        bench_erase(tmp, (1, 1024 if args.full else 64))
        bench_login(runs=5)


if __name__ == "__main__":
    main()

"""Identity-proof benchmark: full proof verification against raw signature verification.

A full proof check (``IdentityVerifier.verify``: PEM parsing, X.509 path validation of
device -> intermediate -> root with pyca/cryptography's verifier, the identifier check and the
device signature) is compared with the bare cost of verifying one signature with pyca in the same
run, for P-256 and Ed25519 device keys. The ratio says what the chain check costs on top of the
signature a naive "does the device hold a key" check would do.

    .venv/bin/python -m benchmarks.bench_identity            # 300 proofs per algorithm
    .venv/bin/python -m benchmarks.bench_identity --full     # 3,000 proofs per algorithm
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from securable.device import _crypto
from securable.device.identity import IDEVID_KEY, IdentityVerifier, ManufacturerCA, provision_device
from securable.device.keystore import FileKeystore, KeyAlgorithm


def _rate(n: int, fn: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def bench(algorithm: KeyAlgorithm, n: int, folder: Path) -> tuple[float, float]:
    ca = ManufacturerCA.create(folder / f"ca-{algorithm}", "Bench Devices")
    keystore = FileKeystore(folder / f"ks-{algorithm}")
    device = provision_device(
        ca, keystore, folder / f"id-{algorithm}", serial_number="B-1", model="bench", algorithm=algorithm
    )
    verifier = IdentityVerifier([ca.root])
    pairs = []
    for _ in range(n):
        challenge = verifier.challenge()
        pairs.append((challenge, device.prove(challenge)))
    public_key = keystore.public_key(IDEVID_KEY)
    raw = [(c, keystore.sign(IDEVID_KEY, b"raw" + c)) for c, _ in pairs]

    def full(i: int) -> None:
        challenge, proof = pairs[i]
        verifier.verify(proof, challenge)

    def bare(i: int) -> None:
        challenge, signature = raw[i]
        if not _crypto.verify(public_key, signature, b"raw" + challenge):
            raise AssertionError("baseline signature did not verify")

    return _rate(n, full), _rate(n, bare)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="3,000 proofs per algorithm instead of 300")
    args = parser.parse_args()
    n = 3000 if args.full else 300
    print(f"identity proof verification, {n} proofs per key type (one run; higher is better)")
    with tempfile.TemporaryDirectory() as tmp:
        for algorithm in KeyAlgorithm:
            full, bare = bench(algorithm, n, Path(tmp))
            print(
                f"  {algorithm.value:8s} full proof {full:9,.0f}/s   raw signature verify {bare:9,.0f}/s"
                f"   ratio full/raw {full / bare:5.2f}"
            )


if __name__ == "__main__":
    main()

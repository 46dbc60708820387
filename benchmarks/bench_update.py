"""Secure-update benchmarks, each against a baseline measured in the same run.

1. Verification throughput: python-tuf's ``TargetFile.verify_length_and_hashes`` (what the
   device runs on a downloaded image) and the boot-time slot check, against plain
   ``hashlib.sha256`` over the same file. Goal: ratio (baseline time / our time) >= 0.7.
2. Metadata refresh with 10, 1,000 and 10,000 targets: ``DeviceUpdater.check()`` (ngclient
   refresh + channel and image lookups + release checks) against bare ngclient doing the same
   refresh and lookups. Goal: ours / bare <= 1.2.

    .venv/bin/python -m benchmarks.bench_update            # 32 MiB image, 10/1000 targets
    .venv/bin/python -m benchmarks.bench_update --full     # 256 MiB image, 10/1000/10000 targets
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from securable.device.update import (
    ABSlots,
    DeviceUpdater,
    Release,
    ReleaseRepository,
    SlotManifest,
    serve_in_thread,
)
from securable.device.update._tuf import TargetFile, Updater
from securable.device.update.release import channel_path

HWID = "bench-board"


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def bench_verify(tmp: Path, size_mib: int) -> None:
    image = tmp / "image.bin"
    with image.open("wb") as out:
        for _ in range(size_mib):
            out.write(os.urandom(1 << 20))
    target = TargetFile.from_file("images/image.bin", str(image))
    release = Release("images/image.bin", "1", 1, (HWID,))
    slots = ABSlots.in_folder(tmp / "dev")
    with image.open("rb") as handle:
        slots.provision(handle, SlotManifest.for_image(image, release))

    def tuf_verify() -> None:
        with image.open("rb") as handle:
            target.verify_length_and_hashes(handle)

    sha256_file(image)  # warm the page cache
    baseline = best_of(3, lambda: sha256_file(image))
    tuf = best_of(3, tuf_verify)
    boot = best_of(3, lambda: slots.verify("a"))
    mib = float(size_mib)
    print(f"verify {size_mib} MiB image")
    print(f"  hashlib.sha256 baseline    {mib / baseline:8.1f} MiB/s")
    print(f"  tuf verify_length_and_hashes {mib / tuf:6.1f} MiB/s   ratio {baseline / tuf:.2f} (goal >= 0.7)")
    print(f"  boot-time slot verify      {mib / boot:8.1f} MiB/s   ratio {baseline / boot:.2f} (goal >= 0.7)")


def build_repo(tmp: Path, count: int) -> ReleaseRepository:
    repo = ReleaseRepository.create(tmp / f"repo-{count}")
    blob = tmp / "blob.bin"
    for i in range(count - 1):
        blob.write_bytes(i.to_bytes(4, "big"))
        repo.add_release(blob, version=f"0.{i}", security_version=1, hardware_ids=[f"other-{i}"], stage=False)
    blob.write_bytes(os.urandom(4096))
    repo.add_release(blob, version="1.0", security_version=1, hardware_ids=[HWID], name="fw.bin", stage=False)
    repo.publish()
    return repo


def bench_refresh(tmp: Path, count: int, runs: int) -> None:
    t0 = time.perf_counter()
    repo = build_repo(tmp, count)
    built = time.perf_counter() - t0
    # count-1 other boards each get an image and a channel target, plus ours
    root = (repo.metadata_dir / "1.root.json").read_bytes()
    with serve_in_thread(repo.public_dir) as server:
        md_url, tg_url = f"{server.url}/metadata", f"{server.url}/targets"

        def fresh_state() -> Path:
            state = Path(tempfile.mkdtemp(dir=tmp))
            digest = hashlib.sha256(b"factory").hexdigest()
            manifest = SlotManifest("images/factory", "0", 0, (HWID,), 7, {"sha256": digest})
            ABSlots.in_folder(state).provision(io.BytesIO(b"factory"), manifest)
            return state

        def bare(cache: Path) -> float:
            start = time.perf_counter()
            updater = Updater(str(cache), md_url, target_base_url=tg_url, bootstrap=root)
            updater.refresh()
            channel = updater.get_targetinfo(channel_path(HWID))
            assert channel is not None
            assert updater.get_targetinfo(channel.custom["securable"]["image"]) is not None
            return time.perf_counter() - start

        def ours(state: Path) -> float:
            start = time.perf_counter()
            updater = DeviceUpdater(
                state, metadata_url=md_url, targets_url=tg_url, trusted_root=root, hardware_id=HWID
            )
            assert updater.check() is not None
            return time.perf_counter() - start

        bare(Path(tempfile.mkdtemp(dir=tmp)))
        ours(fresh_state())  # warm-up
        bare_times, our_times = [], []
        for _ in range(runs):  # interleaved, each on a cold cache
            bare_times.append(bare(Path(tempfile.mkdtemp(dir=tmp))))
            our_times.append(ours(fresh_state()))
    b, o = statistics.median(bare_times), statistics.median(our_times)
    bins = len(repo.hash_bin_roles())
    layout = f"{bins} hash bins" if bins else "top-level targets"
    print(
        f"refresh {2 * count - 1:6d} targets ({layout}; built in {built:5.1f} s): "
        f"bare ngclient {b * 1000:7.1f} ms, DeviceUpdater.check {o * 1000:7.1f} ms, "
        f"ratio {o / b:.2f} (goal <= 1.2)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="256 MiB image and 10/1,000/10,000 releases")
    parser.add_argument("--size-mib", type=int, default=None, help="image size for the verify benchmark")
    args = parser.parse_args()
    size = args.size_mib or (256 if args.full else 32)
    counts = [5, 500, 5000] if args.full else [5, 500]
    with tempfile.TemporaryDirectory() as tmp:
        bench_verify(Path(tmp), size)
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            bench_refresh(Path(tmp), count, runs=5 if count < 5000 else 3)


if __name__ == "__main__":
    main()

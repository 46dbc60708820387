"""Portal latency under a steady 100 requests/s on loopback, against a static file server in the same run.

Starts ``securable portal serve`` (uvicorn, SQLite) and ``python -m http.server`` as subprocesses on free
127.0.0.1 ports, seeds a product with versions and published advisories through the admin API, then
sends an open-loop stream at a fixed rate (latency counted from the *scheduled* send time, so a slow
server cannot hide behind a slower client) to:

- ``/products/<slug>/product.json`` (rendered from the database on every request),
- ``/.well-known/csaf/white/index.txt`` (the CSAF directory index),
- a static copy of that product.json served by ``http.server`` over HTTP/1.1 (the baseline).

Prints p50/p99 per target and the p99 ratio against the static file. Goal: p99 < 100 ms.

    .venv/bin/python -m benchmarks.bench_portal              # 100 req/s for 5 s per target
    .venv/bin/python -m benchmarks.bench_portal --full       # 100 req/s for 30 s, 50 advisories
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent
PASSWORD = "benchmark passphrase 1"  # noqa: S105 - throwaway admin of a temporary database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port if port != 2024 else free_port()


def wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early ({proc.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def seed(base: str, token: str, advisories: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
        product = {
            "slug": "cam",
            "name": "Acme Cam",
            "manufacturer_name": "Acme Devices",
            "manufacturer_email": "support@acme.example",
            "support_end": "2031-06-30",
            "default_password_change": "The app asks for a new password at first start.",
            "secure_setup": "Use WPA3.",
        }
        c.post("/api/v1/admin/products", json=product).raise_for_status()
        for v in ("1.0.0", "1.1.0", "1.2.0"):
            comps = [
                {"name": f"lib{i}", "version": "1.0", "purl": f"pkg:generic/lib{i}@1.0"} for i in range(20)
            ]
            c.post(
                "/api/v1/admin/products/cam/versions", json={"version": v, "components": comps}
            ).raise_for_status()
            c.post(f"/api/v1/admin/products/cam/versions/{v}/sbom/generate").raise_for_status()
        for n in range(advisories):
            ident = f"CVE-2026-{50000 + n}"
            c.post(
                "/api/v1/admin/vulnerabilities",
                json={"ident": ident, "title": f"Issue {n}", "description": f"Benchmark issue number {n}."},
            ).raise_for_status()
            c.post(
                "/api/v1/admin/vex",
                json={"vulnerability": ident, "product": "cam", "version": "1.2.0", "status": "fixed"},
            ).raise_for_status()
            r = c.post(
                "/api/v1/admin/advisories",
                json={"title": f"Advisory {n}", "summary": "Benchmark advisory.", "vulnerabilities": [ident]},
            )
            r.raise_for_status()
            c.post(f"/api/v1/admin/advisories/{r.json()['tracking_id']}/publish", json={}).raise_for_status()


def drive(url: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Open-loop load: returns latencies in ms (from scheduled time) and the number of non-200 answers."""
    client = httpx.Client(timeout=10, limits=httpx.Limits(max_connections=16, max_keepalive_connections=16))
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0

    def one(scheduled: float) -> None:
        nonlocal errors
        r = client.get(url)
        latencies.append((time.perf_counter() - scheduled) * 1000)
        if r.status_code != 200:
            errors += 1

    for _ in range(20):  # warm the connections and caches
        client.get(url)
    start = time.perf_counter() + 0.05
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, scheduled)
    client.close()
    return latencies, errors


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="30 s per target and 50 advisories")
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    seconds, advisories = (30.0, 50) if args.full else (5.0, 10)

    work = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        data = work / "data"
        securable = str(VENV_BIN / "securable")
        subprocess.run(
            [securable, "portal", "create-admin", "bench", "--data", str(data), "--password-stdin"],
            input=PASSWORD.encode(),
            check=True,
            capture_output=True,
        )
        token = subprocess.run(
            [securable, "portal", "create-token", "bench", "--data", str(data)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        port, static_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        portal = subprocess.Popen(
            [
                securable,
                "portal",
                "serve",
                "--port",
                str(port),
                "--data",
                str(data),
                "--read-limit",
                "100000000",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        procs.append(portal)
        wait_up(base + "/", portal)
        seed(base, token, advisories)
        static_dir = work / "static"
        static_dir.mkdir()
        (static_dir / "product.json").write_bytes(httpx.get(base + "/products/cam/product.json").content)
        static = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                str(static_port),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(static_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(static)
        wait_up(f"http://127.0.0.1:{static_port}/product.json", static)

        targets = {
            "static product.json (baseline)": f"http://127.0.0.1:{static_port}/product.json",
            "portal product.json": base + "/products/cam/product.json",
            "portal CSAF index.txt": base + "/.well-known/csaf/white/index.txt",
        }
        print(f"{args.rate:.0f} req/s for {seconds:.0f} s per target; {advisories} published advisories")
        results: dict[str, tuple[float, float]] = {}
        for name, url in targets.items():
            latencies, errors = drive(url, args.rate, seconds)
            p50, p99 = pct(latencies, 50), pct(latencies, 99)
            results[name] = (p50, p99)
            print(f"  {name:32s} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  n={len(latencies)} errors={errors}")
        base_p99 = results["static product.json (baseline)"][1]
        for name in list(targets)[1:]:
            p99 = results[name][1]
            verdict = "goal met" if p99 < 100 else "GOAL MISSED"
            print(f"  {name:32s} p99 / static p99 = {p99 / base_p99:5.2f}x  ({verdict}: p99 < 100 ms)")
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

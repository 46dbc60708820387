"""A device on a virtual LAN: securable's full TCP sweep against ``nmap -sT -p-`` of the same
device in the same run, and the demo's full assessment of its secure build on the LAN.

1. A network namespace on a virtual LAN (``securable.netlab``, 198.18.0.0/15) holds a "device"
   listening on a handful of TCP ports, low and high. Both sweeps cover 1-65535 from the root
   namespace over the bridge: ``netscan.sweep`` with its defaults (256 in flight, 200000
   attempts per second; and once more without the rate cap) and ``nmap -sT -p- -n -Pn -T4``
   (nmap run as a program, never imported; installed from Debian for this benchmark). Same open
   ports required; the ratio is securable/nmap (goal: at most 1x).
2. ``securable demo --network lan``: both builds in namespaces, each assessed in full (firmware,
   every TCP port and the usual UDP ports, declaration); the secure build's assessment time is
   printed against the 15 s goal.

Needs root (network namespaces) and nmap; says so and exits 0 otherwise.

    .venv/bin/python -m benchmarks.bench_lan_sweep [--repeat N] [--no-demo]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from securable import netlab
from securable.assess import netscan

DEVICE_PORTS = (22, 80, 443, 1883, 8443, 31337, 49152, 65000)

LISTENER = """
import socket, time
socks = []
for port in {ports!r}:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    s.listen(64)
    socks.append(s)
print("ready", flush=True)
time.sleep(3600)
"""


def nmap_sweep(address: str) -> tuple[float, list[int]]:
    t0 = time.perf_counter()
    found = netscan.nmap_open_ports(address, range(1, 65536))
    elapsed = time.perf_counter() - t0
    if found is None:
        raise RuntimeError("nmap failed")
    return elapsed, found


def ours(address: str, rate: float | None = netscan.DEFAULT_RATE) -> tuple[float, list[int]]:
    t0 = time.perf_counter()
    result = netscan.sweep(address, netscan.FULL_TCP, rate=rate)
    elapsed = time.perf_counter() - t0
    # Every other port must have been refused, not lost: a fast sweep that misses is no sweep.
    assert result.count("closed") == 65535 - len(result.open_ports), result.count("filtered")
    return elapsed, result.open_ports


def sweep_vs_nmap(repeat: int) -> None:
    with netlab.VirtualLan() as lan:
        device = lan.add_host("bench")
        proc = device.spawn(
            [sys.executable, "-c", LISTENER.format(ports=DEVICE_PORTS)], stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        proc.stdout.readline()
        proc.stdout.close()
        for address in (device.ipv4, device.ipv6):
            lan.check_route(address)
            mine, free, theirs = [], [], []
            for _ in range(repeat):  # interleaved, so a change in the machine's load hits all three
                mine.append(ours(address))
                free.append(ours(address, rate=None))
                theirs.append(nmap_sweep(address))
            t_ours, found_ours = min(mine)
            t_free, _found = min(free)
            t_nmap, found_nmap = min(theirs)
            assert found_ours == found_nmap == list(DEVICE_PORTS), (found_ours, found_nmap)
            print(f"full TCP sweep of {address} (65535 ports, {len(DEVICE_PORTS)} open), best of {repeat}:")
            floor = 65535 / netscan.DEFAULT_RATE
            print(f"  securable netscan.sweep:   {t_ours:6.2f} s   open {found_ours}")
            print(f"    (default rate cap {netscan.DEFAULT_RATE:g}/s alone takes {floor:.2f} s)")
            print(f"  same, --max-rate unlimited: {t_free:5.2f} s   ratio to nmap {t_free / t_nmap:.2f}x")
            print(
                f"  nmap -sT -p- -T4:          {t_nmap:6.2f} s   same open ports: {found_ours == found_nmap}"
            )
            print(f"  ratio securable/nmap:      {t_ours / t_nmap:6.2f}x  (goal <= 1x)")


def demo_on_lan() -> None:
    from securable.demo.run import run_demo

    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        result = run_demo(Path(tmp) / "out", echo=lambda line: None, network="lan")
    print(f"securable demo on {result.network}")
    for name, build in result.builds.items():
        seconds = build.assessment.duration
        goal = "  (goal < 15 s)" if name == "secure" else ""
        what = "full assessment (firmware, 65535 TCP + UDP ports, declaration)"
        print(f"  {name:6} build: {what} {seconds:5.1f} s{goal}")
    print(f"  whole demo: {result.seconds:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--full", action="store_true", help="accepted for `python -m benchmarks --full`")
    args = ap.parse_args()
    reason = netlab.unavailable_reason()
    if reason is not None:
        print(f"skipped: no virtual LAN here ({reason})")
        return
    if shutil.which("nmap") is None:
        print("nmap is not installed (apt-get install nmap): the sweep comparison is skipped")
    else:
        sweep_vs_nmap(args.repeat)
    if not args.no_demo:
        demo_on_lan()


if __name__ == "__main__":
    main()

"""Port sweep speed: securable's epoll connect sweep against a sequential blocking
``socket.connect_ex`` loop over the same ports in the same run (and ``nmap -sT`` where installed).

Two scenarios, both with listeners this script starts on 127.0.0.1 in ranges that never include
port 2024 (the machine's own):

1. an open/closed range: on loopback a closed port refuses in microseconds, so a plain blocking
   loop is hard to beat and the event loop's per-connection overhead shows (ratio below 1);
2. filtered ports (listeners whose accept queue is full, so SYNs go unanswered — what a
   firewalled device port does): each costs a blocking loop one full timeout, while the sweep
   waits for all of them at once (ratio ≈ the number of filtered ports).

The second is the case that decides the run time of a real device assessment. With ``--assess``
it also times every registered network check against one host running a plain HTTP and an
HTTPS server started here.

    .venv/bin/python -m benchmarks.bench_portscan             # 40000-40999, 20 listeners
    .venv/bin/python -m benchmarks.bench_portscan --full      # 40000-41999, 50 listeners
    .venv/bin/python -m benchmarks.bench_portscan --assess
"""

from __future__ import annotations

import argparse
import contextlib
import random
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from securable.assess import netscan

FORBIDDEN = 2024


def start_listeners(lo: int, hi: int, count: int) -> list[socket.socket]:
    socks: list[socket.socket] = []
    candidates = [p for p in range(lo, hi + 1) if p != FORBIDDEN]
    random.shuffle(candidates)
    for port in candidates:
        if len(socks) == count:
            break
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        s.listen(64)
        socks.append(s)
    return socks


def saturate(listeners: list[socket.socket]) -> list[socket.socket]:
    """Fill the accept queue of each listener (backlog 0, never accepting): further SYNs are
    dropped, so connects hang until their timeout — how a firewalled port on a device behaves."""
    fillers = []
    for listener in listeners:
        listener.listen(0)
        for _ in range(3):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(listener.getsockname())
            fillers.append(f)
    time.sleep(0.1)
    return fillers


def sequential(ports: list[int], timeout: float) -> list[int]:
    found = []
    for port in ports:
        with socket.socket() as s:
            s.settimeout(timeout)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                found.append(port)
    return found


def best_of(n: int, fn: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>bench</html>" if self.path == "/" else b"not found"
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _TlsServer(_Server):
    ctx: ssl.SSLContext

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


def _tls_context(folder: Path) -> ssl.SSLContext:
    from securable.assess.targets.host import self_signed_identity

    cert, key = self_signed_identity("127.0.0.1", days=30)
    (folder / "c.pem").write_bytes(cert)
    (folder / "k.pem").write_bytes(key)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(folder / "c.pem", folder / "k.pem")
    return ctx


@contextlib.contextmanager
def web_servers() -> Iterator[list[int]]:
    with tempfile.TemporaryDirectory() as tmp:
        plain = _Server(("127.0.0.1", 0), _Page)
        tls = _TlsServer(("127.0.0.1", 0), _Page)
        tls.ctx = _tls_context(Path(tmp))
        threads = [
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            for s in (plain, tls)
        ]
        for t in threads:
            t.start()
        try:
            yield [plain.server_address[1], tls.server_address[1]]
        finally:
            for s in (plain, tls):
                s.shutdown()
                s.server_close()


def assess_once(ports: list[int]) -> tuple[float, int]:
    from securable.assess.model import TargetKind
    from securable.assess.registry import checks_for
    from securable.assess.targets.host import LiveHost

    t0 = time.perf_counter()
    host = LiveHost("127.0.0.1", ports, credentials=[("admin", "admin"), ("admin", "")])
    findings = [f for cls in checks_for([TargetKind.HOST]) for f in cls().evaluate(host)]
    return time.perf_counter() - t0, len(findings)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="2000 ports and 50 listeners")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--assess", action="store_true", help="also time all network checks on one host")
    args = ap.parse_args()
    lo, hi, count = (40000, 41999, 50) if args.full else (40000, 40999, 20)
    listeners = start_listeners(lo, hi, count)
    ports = [p for p in range(lo, hi + 1) if p != FORBIDDEN]
    expected = sorted(s.getsockname()[1] for s in listeners)
    try:
        t_sweep, swept = best_of(args.repeat, lambda: netscan.sweep("127.0.0.1", ports).open_ports)
        t_seq, seq = best_of(args.repeat, lambda: sequential(ports, 1.0))
        t0 = time.perf_counter()
        nm = netscan.nmap_open_ports("127.0.0.1", ports)
        t_nmap = time.perf_counter() - t0
    finally:
        for s in listeners:
            s.close()
    # Other programs on this machine may listen in the range too: ours must all be found, and
    # both methods must agree on the rest.
    assert set(expected) <= set(swept), sorted(set(expected) - set(swept))
    assert set(expected) <= set(seq)
    others = sorted(set(swept) - set(expected))
    print(f"ports {lo}-{hi} ({len(ports)}), {len(expected)} listeners, best of {args.repeat}")
    if others:
        print(f"  (also open, not ours: {others})")
    print(f"  epoll sweep (limit  {netscan.DEFAULT_HOST_LIMIT}): {t_sweep * 1000:8.1f} ms")
    print(f"  sequential connect_ex loop:       {t_seq * 1000:8.1f} ms")
    print(f"  ratio sequential/sweep:           {t_seq / t_sweep:8.2f}x")
    if nm is None:
        print("  nmap -sT: not installed (optional comparison skipped)")
    else:
        print(f"  nmap -sT (one run):               {t_nmap * 1000:8.1f} ms  found {len(nm)}")
    # Scenario 2: some ports never answer (filtered). Each costs a full timeout in a loop.
    n_silent = 30 if args.full else 10
    silent = start_listeners(42001, 42999, n_silent)
    fillers = saturate(silent)
    silent_ports = sorted(s.getsockname()[1] for s in silent)
    timeout = 0.5
    try:
        t0 = time.perf_counter()
        states = netscan.sweep("127.0.0.1", silent_ports, timeout=timeout).ports
        t_sweep2 = time.perf_counter() - t0
        t0 = time.perf_counter()
        sequential(silent_ports, timeout)
        t_seq2 = time.perf_counter() - t0
    finally:
        for s in [*fillers, *silent]:
            s.close()
    n_filtered = sum(1 for st in states if st.state == "filtered")
    print(
        f"{len(silent_ports)} filtered ports (no answer), timeout {timeout} s; {n_filtered} reported filtered"
    )
    print(f"  epoll sweep:                      {t_sweep2 * 1000:8.1f} ms")
    print(f"  sequential connect_ex loop:       {t_seq2 * 1000:8.1f} ms")
    print(f"  ratio sequential/sweep:           {t_seq2 / t_sweep2:8.2f}x")
    if args.assess:
        with web_servers() as web_ports:
            seconds, n = assess_once(web_ports)
        print(f"all network checks, one host (HTTP + HTTPS): {seconds:.2f} s, {n} findings")


if __name__ == "__main__":
    main()

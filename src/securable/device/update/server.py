"""A small static file server for a published repository, with HTTP ``Range`` support.

Production repositories live on any static host or object store (they are plain files). This
server exists for demos, tests and factory lines: it serves one folder read-only, binds
loopback only, and answers single-range requests so devices can resume downloads. It is the
standard library's ``SimpleHTTPRequestHandler`` plus a ``Range: bytes=N-[M]`` branch.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import ipaddress
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from securable.errors import UsageError

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files, honouring one ``Range`` per request; lists no directories."""

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "Not found")
        return None

    def log_message(self, format: str, *args: Any) -> None:
        recorder = getattr(self.server, "requests_seen", None)
        if recorder is not None:
            recorder.append((self.command, self.path, self.headers.get("Range")))

    def do_GET(self) -> None:
        header = self.headers.get("Range")
        match = _RANGE.match(header.strip()) if header else None
        if match is None:
            super().do_GET()
            return
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404, "Not found")
            return
        size = path.stat().st_size
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else size - 1
        if start >= size or end < start:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        end = min(end, size - 1)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        with path.open("rb") as handle:
            handle.seek(start)
            remaining = end - start + 1
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                while remaining > 0:
                    chunk = handle.read(min(1 << 16, remaining))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    remaining -= len(chunk)

    def end_headers(self) -> None:
        if self.command == "GET" and self.headers.get("Range") is None:
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


_LAB_NETWORKS = (ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("2001:2::/48"))


class RepositoryServer(http.server.ThreadingHTTPServer):
    """Serves ``directory`` on a loopback address; ``requests_seen`` records (method, path, range)."""

    daemon_threads = True

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        try:
            ip = ipaddress.ip_address(host)
            # Loopback, or a lab network of the benchmarking ranges (the demo's virtual LAN of
            # network namespaces): never an address of a real network.
            loopback = ip.is_loopback or any(ip in net for net in _LAB_NETWORKS)
        except ValueError:
            loopback = False
        if not loopback:
            raise UsageError(
                f"refusing to serve on {host}: only loopback addresses are allowed",
                diagnostics="use 127.0.0.1 (or ::1); publish to a real web server for production",
            )
        directory = Path(directory)
        if not directory.is_dir():
            raise UsageError(
                f"{directory} is not a folder", diagnostics="give the repository's public/ folder"
            )
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.requests_seen: list[tuple[str, str, str | None]] = []
        handler = functools.partial(RangeRequestHandler, directory=str(directory))
        super().__init__((host, port), handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://[{host_text}]:{port}" if ":" in host_text else f"http://{host_text}:{port}"


@contextlib.contextmanager
def serve_in_thread(directory: Path, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RepositoryServer]:
    """Run a :class:`RepositoryServer` in a background thread for the duration of the block."""
    server = RepositoryServer(directory, host=host, port=port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="update-repo-server", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def copy_public(repo_public: Path, dest: Path) -> None:
    """Copy a repository's public folder to ``dest`` (e.g. a web root); metadata last."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(repo_public / "targets", dest / "targets", dirs_exist_ok=True)
    shutil.copytree(
        repo_public / "metadata",
        dest / "metadata",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("timestamp.json"),
    )
    # timestamp.json last: until it lands, devices keep seeing the previous, complete release
    shutil.copy2(repo_public / "metadata" / "timestamp.json", dest / "metadata" / "timestamp.json")

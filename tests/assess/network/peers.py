"""Real peers for the network-check tests, all on 127.0.0.1 and free high ports.

OpenSSH ``sshd`` and ``mosquitto`` run as child processes with their own configuration in a
temporary folder and are stopped by PID. TLS/HTTP, telnet-like, FTP-like and paramiko SSH
servers run in threads of the test process. Nothing listens beyond loopback; port 2024 (the
machine's own) is never chosen, because a port bound by us cannot be it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import signal
import socket
import socketserver
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"
FORBIDDEN_PORT = 2024


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port = int(s.getsockname()[1])
    assert port != FORBIDDEN_PORT
    return port


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {LOOPBACK}:{port}")


def stop_pid(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# --- certificates ------------------------------------------------------------------------------


@dataclass
class Pem:
    cert: Path
    key: Path
    chain: Path  # leaf + issuer


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(
    folder: Path,
    label: str,
    *,
    key: Any = None,
    days: tuple[int, int] = (-1, 365),
    hash_alg: Any = None,
) -> Pem:
    """A CA-issued leaf for 127.0.0.1 (the CA is made here too), written as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} test CA"))
        .issuer_name(_name(f"{label} test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now + dt.timedelta(days=4000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = key if key is not None else ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .sign(ca_key, hash_alg or hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_p, key_p, chain_p = folder / f"{label}.crt", folder / f"{label}.key", folder / f"{label}-chain.crt"
    cert_p.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    chain_p.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    )
    key_p.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Pem(cert_p, key_p, chain_p)


def server_context(
    pem: Pem,
    *,
    legacy: bool = False,
    ciphers: str | None = None,
    max12: bool = False,
    require_client: bool = False,
) -> ssl.SSLContext:
    """A server context: modern by default; ``legacy`` accepts TLS 1.0 and everything else."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if legacy or ciphers:
        ctx.set_ciphers(ciphers or "ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1 if legacy else ssl.TLSVersion.TLSv1_2
    if max12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pem.chain, pem.key)
    if require_client:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cadata=pem.chain.read_text())  # a CA the probe's cert is not from
    return ctx


# --- HTTP(S) -------------------------------------------------------------------------------------


@dataclass
class WebApp:
    """How the test HTTP server behaves."""

    open_api: bool = False  # /api/status answers without auth
    basic: tuple[str, str] | None = None  # everything below /api and / needs basic auth
    form: tuple[str, str] | None = None  # / shows a login form, POST /login checks it
    openapi: bool = False  # publishes /openapi.json naming an open GET route /v2/setpoint


def _handler(app: WebApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "TestDevice/1.0"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: bytes, ctype: str = "text/html", extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _basic_ok(self) -> bool:
            assert app.basic is not None
            want = base64.b64encode(f"{app.basic[0]}:{app.basic[1]}".encode()).decode()
            return self.headers.get("Authorization", "") == f"Basic {want}"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if app.basic is not None and not self._basic_ok():
                self._send(401, b"auth required", extra={"WWW-Authenticate": 'Basic realm="device"'})
                return
            if app.openapi and path == "/openapi.json":
                doc = (
                    b'{"openapi": "3.1.0", "paths": {"/v2/setpoint": {"get": {}}, "/v2/x/{id}": {"get": {}}}}'
                )
                self._send(200, doc, "application/json")
                return
            if app.openapi and path == "/v2/setpoint":
                self._send(200, b'{"setpoint": 21}', "application/json")
                return
            if path == "/api/status":
                if app.open_api or app.basic is not None:
                    self._send(200, b'{"temperature": 21.5, "setpoint": 21}', "application/json")
                else:
                    self._send(403, b"forbidden")
                return
            if path in ("/", "/login") and app.form is not None:
                self._send(
                    200,
                    b'<html><form method="post" action="/login"><input type="hidden" name="csrf" value="x">'
                    b'<input name="username"><input type="password" name="password"></form></html>',
                )
                return
            if path == "/":
                self._send(200, b"<html>device</html>")
                return
            self._send(404, b"not found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(length).decode()
            if self.path == "/login" and app.form is not None:
                from urllib.parse import parse_qs

                q = parse_qs(data, keep_blank_values=True)
                ok = (
                    q.get("username", [""])[0] == app.form[0]
                    and q.get("password", [""])[0] == app.form[1]
                    and q.get("csrf") == ["x"]
                )
                if ok:
                    self._send(303, b"", extra={"Location": "/dashboard", "Set-Cookie": "sid=1; HttpOnly"})
                else:
                    self._send(
                        200, b'<p>Login incorrect</p><form><input type="password" name="password"></form>'
                    )
                return
            self._send(404, b"not found")

    return Handler


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # probes send TLS to plain ports, garbage to HTTP: expected


class TlsWrappingServer(_QuietHTTPServer):
    def __init__(self, addr: tuple[str, int], handler: Any, ctx: ssl.SSLContext) -> None:
        self.ctx = ctx
        super().__init__(addr, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


@contextlib.contextmanager
def http_server(app: WebApp, ctx: ssl.SSLContext | None = None) -> Iterator[int]:
    port = free_port()
    handler = _handler(app)
    srv: ThreadingHTTPServer = (
        TlsWrappingServer((LOOPBACK, port), handler, ctx)
        if ctx
        else _QuietHTTPServer((LOOPBACK, port), handler)
    )
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield port
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=5)


@contextlib.contextmanager
def tls_echo_server(ctx: ssl.SSLContext) -> Iterator[int]:
    """A TLS service that speaks no known protocol: handshake, then silence."""

    class H(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with contextlib.suppress(OSError):
                self.request.settimeout(2)
                self.request.do_handshake()
                self.request.recv(1)

    class S(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

        def get_request(self) -> tuple[socket.socket, Any]:
            sock, addr = self.socket.accept()
            return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    with _serve(S, H) as port:
        yield port


@contextlib.contextmanager
def _serve(server_cls: Any, handler: Any) -> Iterator[int]:
    port = free_port()
    srv = server_cls((LOOPBACK, port), handler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield port
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=5)


class _Quiet(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


# --- telnet-like and FTP-like ---------------------------------------------------------------------


@contextlib.contextmanager
def telnet_server(
    user: str = "admin",
    password: str = "admin",  # noqa: S107 - the planted flaw
    *,
    open_shell: bool = False,
) -> Iterator[int]:
    IAC, WILL, ECHO, SGA = 255, 251, 1, 3

    class H(socketserver.BaseRequestHandler):
        def _line(self) -> str:
            buf = b""
            while not buf.endswith(b"\n") and len(buf) < 256:
                ch = self.request.recv(1)
                if not ch:
                    break
                buf += ch
            # drop option replies (IAC x y) the client sent
            out, i = bytearray(), 0
            while i < len(buf):
                if buf[i] == IAC:
                    i += 3
                    continue
                out.append(buf[i])
                i += 1
            return out.decode(errors="replace").strip()

        def handle(self) -> None:
            with contextlib.suppress(OSError):
                self.request.settimeout(5)
                self.request.sendall(bytes([IAC, WILL, ECHO, IAC, WILL, SGA]))
                if open_shell:
                    self.request.sendall(b"BusyBox v1.36 built-in shell\r\n# ")
                    self.request.recv(64)
                    return
                self.request.sendall(b"thermostat login: ")
                u = self._line()
                self.request.sendall(b"Password: ")
                p = self._line()
                if (u, p) == (user, password):
                    self.request.sendall(b"\r\nWelcome\r\n~ # ")
                    self.request.recv(64)
                else:
                    time.sleep(0.05)
                    self.request.sendall(b"\r\nLogin incorrect\r\n")

    with _serve(_Quiet, H) as port:
        yield port


@contextlib.contextmanager
def ftp_banner_server() -> Iterator[int]:
    class H(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with contextlib.suppress(OSError):
                self.request.sendall(b"220 (vsFTPd 3.0.3)\r\n")
                self.request.settimeout(2)
                self.request.recv(64)

    with _serve(_Quiet, H) as port:
        yield port


# --- paramiko SSH server ----------------------------------------------------------------------------


@contextlib.contextmanager
def paramiko_ssh_server(*, accept: tuple[str, str] | None = None, allow_none: bool = False) -> Iterator[int]:
    """A real SSH server (paramiko) with password auth; ``allow_none`` lets everyone in."""
    import paramiko
    from paramiko.common import AUTH_FAILED as AUTH_NO
    from paramiko.common import AUTH_SUCCESSFUL as AUTH_OK

    host_key = paramiko.RSAKey.generate(2048)

    class Server(paramiko.ServerInterface):
        def get_allowed_auths(self, username: str) -> str:
            return "password"

        def check_auth_none(self, username: str) -> int:
            return AUTH_OK if allow_none else AUTH_NO

        def check_auth_password(self, username: str, password: str) -> int:
            return AUTH_OK if (username, password) == accept else AUTH_NO

    class H(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            t = paramiko.Transport(self.request)
            t.add_server_key(host_key)
            try:
                t.start_server(server=Server())
                deadline = time.monotonic() + 5
                while t.is_active() and time.monotonic() < deadline:
                    time.sleep(0.02)
            except (paramiko.SSHException, EOFError, OSError):
                pass
            finally:
                t.close()

    with _serve(_Quiet, H) as port:
        yield port


# --- OpenSSH sshd ------------------------------------------------------------------------------------

HARDENED_SSHD = """
KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org
HostKeyAlgorithms ssh-ed25519
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com
MACs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com
PasswordAuthentication no
KbdInteractiveAuthentication no
"""

WEAK_SSHD = """
KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1
Ciphers +3des-cbc,aes128-cbc
MACs +hmac-sha1,hmac-md5
PasswordAuthentication yes
"""


@contextlib.contextmanager
def sshd(folder: Path, extra: str) -> Iterator[int]:
    folder.mkdir(parents=True, exist_ok=True)
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege-separation directory sshd insists on
    key = folder / "ssh_host_ed25519_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    port = free_port()
    conf = folder / "sshd_config"
    conf.write_text(
        f"Port {port}\nListenAddress {LOOPBACK}\nHostKey {key}\nPidFile {folder / 'sshd.pid'}\n"
        f"UsePAM no\nPermitRootLogin no\nStrictModes no\nAuthorizedKeysFile none\n{extra}\n"
    )
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", str(conf), "-E", str(folder / "sshd.log")])
    try:
        wait_port(port)
        yield port
    finally:
        stop_pid(proc)


# --- mosquitto ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def mosquitto(
    folder: Path, *, anonymous: bool, users: dict[str, str] | None = None, tls: Pem | None = None
) -> Iterator[int]:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lines = [
        f"listener {port} {LOOPBACK}",
        f"allow_anonymous {'true' if anonymous else 'false'}",
        "persistence false",
        "user root",
        f"log_dest file {folder / 'mosquitto.log'}",
    ]
    if users:
        pwfile = folder / "passwd"
        for i, (u, p) in enumerate(users.items()):
            args = ["mosquitto_passwd", "-b", *([] if i else ["-c"]), str(pwfile), u, p]
            subprocess.run(args, check=True, capture_output=True)
        lines.append(f"password_file {pwfile}")
    if tls is not None:
        lines += [f"certfile {tls.chain}", f"keyfile {tls.key}", "tls_version tlsv1.2"]
    conf = folder / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_port(port)
        yield port
    finally:
        stop_pid(proc)


def rsa_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


StartFn = Callable[..., Any]

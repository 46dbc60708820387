"""The *legacy* build of the demo thermostat: the same product with the classic flaws.

This build is deliberately insecure so that ``securable demo`` has something to find. It uses
none of :mod:`securable.device`. Its flaws, each one a finding the assessment should report:

* a universal default credential (``admin``/``admin``) on the web admin page and on the shell;
* a telnet-style remote shell on port 2323 (cleartext credentials, IAC negotiation like telnetd);
* a plain-HTTP API without authentication, including a firmware upload that accepts any bytes
  (unsigned updates);
* no security log; and, in its firmware image, a private key shared by every unit.

Never run this outside a loopback demo.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from securable.demo.thermostat import Thermostat

DEFAULT_USER = "admin"
DEFAULT_PASSWORD = "admin"  # noqa: S105 - the universal default password this build demonstrates
IAC_WILL_ECHO = bytes([255, 251, 1])
IAC_WILL_SGA = bytes([255, 251, 3])


class _LegacyApi(BaseHTTPRequestHandler):
    server_version = "thermostat-httpd/1.0"
    thermostat: ClassVar[Thermostat]
    firmware_uploads: ClassVar[list[int]]

    def log_message(self, format: str, *args: Any) -> None:  # no logging at all, as shipped
        return

    def _send(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _basic_ok(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == DEFAULT_USER and password == DEFAULT_PASSWORD

    def do_GET(self) -> None:
        if self.path == "/api/status":
            self._send(200, self.thermostat.status())
        elif self.path == "/api/config":
            self._send(
                200, {"wifi_ssid": "home", "wifi_psk": "hunter22", "cloud_token": "legacy-static-token"}
            )
        elif self.path == "/admin":
            if self._basic_ok():
                self._send(200, {"admin": True, "status": self.thermostat.status()})
            else:
                self._send(401, {"error": "login required"}, {"WWW-Authenticate": 'Basic realm="thermostat"'})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length", "0") or 0), 64 * 1024 * 1024)
        body = self.rfile.read(length)
        if self.path == "/api/setpoint":
            try:
                value = float(json.loads(body or b"{}").get("setpoint"))
                self._send(200, {"setpoint": self.thermostat.set_setpoint(value)})
            except (ValueError, TypeError, AttributeError):
                self._send(400, {"error": "bad setpoint"})
        elif self.path == "/api/firmware":
            # Any bytes are "installed": no signature, no version check, no authentication.
            self.firmware_uploads.append(len(body))
            self._send(200, {"installed": True, "bytes": len(body)})
        else:
            self._send(404, {"error": "not found"})


class _ShellHandler(socketserver.StreamRequestHandler):
    """A telnet-style login shell: IAC negotiation, cleartext login, a root prompt."""

    thermostat: ClassVar[Thermostat]

    def _readline(self) -> str:
        raw = self.rfile.readline(256)
        # Drop telnet negotiation bytes a real client sends back.
        cleaned = bytearray()
        skip = 0
        for byte in raw:
            if skip:
                skip -= 1
                continue
            if byte == 255:
                skip = 2
                continue
            cleaned.append(byte)
        return cleaned.decode("latin-1").strip()

    def handle(self) -> None:
        self.request.settimeout(10)
        try:
            self.wfile.write(IAC_WILL_ECHO + IAC_WILL_SGA + b"\r\nST-100 thermostat\r\nlogin: ")
            user = self._readline()
            self.wfile.write(b"Password: ")
            password = self._readline()
            if user != DEFAULT_USER or password != DEFAULT_PASSWORD:
                self.wfile.write(b"\r\nLogin incorrect\r\n")
                return
            self.wfile.write(b"\r\nBusyBox v1.27.2 built-in shell (ash)\r\n# ")
            while True:
                command = self._readline()
                if command in {"exit", "logout", ""}:
                    return
                if command == "status":
                    self.wfile.write(json.dumps(self.thermostat.status()).encode() + b"\r\n# ")
                else:
                    self.wfile.write(f"{command}: not found\r\n# ".encode())
        except (OSError, TimeoutError):
            return


class _ThreadingTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LegacyDevice:
    """Runs the legacy build's two listeners on one loopback address until :meth:`stop`."""

    def __init__(self, address: str, *, http_port: int = 8080, shell_port: int = 2323, serial: str) -> None:
        self.thermostat = Thermostat(serial=serial, firmware_version="1.0.3")
        api = type("Api", (_LegacyApi,), {"thermostat": self.thermostat, "firmware_uploads": []})
        shell = type("Shell", (_ShellHandler,), {"thermostat": self.thermostat})
        self._http = ThreadingHTTPServer((address, http_port), api)
        self._http.daemon_threads = True
        self._shell = _ThreadingTCPServer((address, shell_port), shell)
        self._threads: list[threading.Thread] = []

    @property
    def ports(self) -> dict[str, int]:
        return {"http": self._http.server_address[1], "telnet": self._shell.server_address[1]}

    def start(
        self, *, telemetry: tuple[str, int] | None = None, phone_home: tuple[str, int] | None = None
    ) -> None:
        """Serve; at first start publish status in plaintext MQTT to ``telemetry`` and report the
        unit to a hard-coded vendor endpoint ``phone_home`` over plain HTTP (two classic flaws)."""
        for server in (self._http, self._shell):
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        if telemetry is not None:
            threading.Thread(target=self._telemetry, args=telemetry, name="telemetry", daemon=True).start()
        if phone_home is not None:
            threading.Thread(target=self._phone_home, args=phone_home, name="phone-home", daemon=True).start()

    def _telemetry(self, host: str, port: int) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.thermostat.serial)
        client.username_pw_set("thermostat", "thermostat")  # the same for every unit, in plaintext
        try:
            client.connect(host, port)
            client.loop_start()
            client.publish(
                f"thermostat/{self.thermostat.serial}/status", json.dumps(self.thermostat.status())
            )
            time.sleep(0.5)
            client.loop_stop()
            client.disconnect()
        except OSError:
            return

    def _phone_home(self, host: str, port: int) -> None:
        body = json.dumps({"serial": self.thermostat.serial, "status": self.thermostat.status()})
        conn = http.client.HTTPConnection(host, port, timeout=5)
        try:
            for _ in range(5):  # a beacon every half second over one kept-alive connection
                conn.request("POST", "/collect", body, {"Content-Type": "application/json"})
                conn.getresponse().read()
                time.sleep(0.5)
        except OSError:
            return
        finally:
            conn.close()

    def stop(self) -> None:
        for server in (self._http, self._shell):
            server.shutdown()
            server.server_close()


def port_is_free(address: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((address, port)) != 0

"""The real seams over sockets: TCP, HTTP, SSH, MQTT and telnet (TLS is in ``tls_client``).

Each class is one seam of :mod:`~securable.assess.targets.host.probe`, built on a maintained
client where one exists (``http.client``, paramiko, paho-mqtt, the ssh-audit program) and on
:mod:`securable.assess.netclients` where none does. :class:`SocketProbe` puts them together.
``timeout`` bounds every single connection and read: devices under assessment may never answer.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from securable.assess import netclients, netscan
from securable.assess.targets.host.probe import HttpResponse, MqttOutcome, ProbeSet, SshAuthMethods
from securable.assess.targets.host.tls_client import TlsSocketProbe, permissive_context

FIRST_PORTS = (21, 22, 23, 80, 443, 554, 1883, 2323, 5000, 8000, 8080, 8081, 8443, 8883, 9000)
"""Swept first: the usual IoT service ports (the same as ``live.DEFAULT_PORTS``)."""

__all__ = [
    "HttpSocketProbe",
    "MqttPahoProbe",
    "SocketProbe",
    "SshAuditProgram",
    "SshParamikoProbe",
    "TcpSocketProbe",
    "TelnetSocketProbe",
]


class TcpSocketProbe:
    """Port sweep (:mod:`~securable.assess.netscan`) and raw exchanges: the scanner and stream seams.

    The sweep sends the usual IoT ports first, so a host that answers nothing is given up on
    after :data:`~securable.assess.netscan.DEFAULT_SILENCE` attempts; :meth:`sweep_details` keeps
    every port's state of the last sweep per address for the report.
    """

    def __init__(
        self,
        *,
        timeout: float = 3.0,
        scan_limit: int = netscan.DEFAULT_HOST_LIMIT,
        scan_rate: float | None = netscan.DEFAULT_RATE,
        first: Sequence[int] = (),
    ) -> None:
        self.timeout = timeout
        self.scan_limit = scan_limit
        self.scan_rate = scan_rate
        self.first = tuple(first)
        self._sweeps: dict[str, netscan.SweepResult] = {}

    def scan(self, address: str, ports: Sequence[int]) -> list[int]:
        result = netscan.sweep(
            address,
            ports,
            limit=self.scan_limit,
            timeout=min(self.timeout, 1.0),
            rate=self.scan_rate,
            first=self.first,
        )
        self._sweeps[address] = result
        return result.open_ports

    def sweep_details(self, address: str) -> netscan.SweepResult | None:
        return self._sweeps.get(address)

    def exchange(
        self, address: str, port: int, send: bytes = b"", *, tls: bool = False, wait: float = 0.5
    ) -> bytes | None:
        try:
            raw = socket.create_connection((address, port), timeout=self.timeout)
        except OSError:
            return None
        sock: socket.socket = raw
        try:
            if tls:
                sock = permissive_context().wrap_socket(raw)
            if send:
                sock.sendall(send)
            data = b""
            deadline = time.monotonic() + wait
            while len(data) < 4096 and time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    chunk = sock.recv(4096 - len(data))
                except TimeoutError:
                    break
                if not chunk:
                    break
                data += chunk
                # Once the peer has spoken, a short quiet spell ends the read: a banner or a
                # CONNACK arrives in one go, and waiting the full ``wait`` would only cost time.
                deadline = min(deadline, time.monotonic() + 0.15)
            return data
        except OSError:
            return None
        finally:
            sock.close()


class HttpSocketProbe:
    """One request per connection through ``http.client``, TLS without verification."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def http(
        self,
        address: str,
        port: int,
        method: str,
        path: str,
        *,
        tls: bool,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> HttpResponse | None:
        host = f"[{address}]" if ":" in address else address
        conn: http.client.HTTPConnection
        if tls:
            conn = http.client.HTTPSConnection(
                address, port, timeout=self.timeout, context=permissive_context()
            )
        else:
            conn = http.client.HTTPConnection(address, port, timeout=self.timeout)
        try:
            hdrs = {"Host": f"{host}:{port}", "User-Agent": "securable-assess", "Connection": "close"}
            hdrs.update(headers or {})
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read(65536)
            merged: dict[str, str] = {}
            for k, v in resp.getheaders():
                key = k.lower()
                merged[key] = f"{merged[key]}, {v}" if key in merged else v
            return HttpResponse(resp.status, merged, data)
        except (OSError, http.client.HTTPException, ValueError):
            return None
        finally:
            conn.close()


class SshAuditProgram:
    """The ssh-audit seam: the ssh-audit program of this environment, JSON out."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def ssh_audit(self, address: str, port: int) -> Mapping[str, Any] | None:
        """ssh-audit's JSON for one server, from the ssh-audit program of this environment.

        ssh-audit is run as a program: its Python functions print to stdout and exit the
        process, so they are no library API. Its exit code is non-zero whenever it finds
        problems, so only the JSON decides.
        """
        target = f"[{address}]" if ":" in address else address
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ssh_audit",
                    "-j",
                    "-n",
                    "-p",
                    str(port),
                    "-t",
                    str(int(self.timeout) + 1),
                    target,
                ],
                capture_output=True,
                timeout=self.timeout * 4 + 10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        try:
            out = json.loads(proc.stdout)
        except ValueError:
            return None
        return out if isinstance(out, dict) else None


class SshParamikoProbe:
    """The SSH authentication seam through paramiko: methods offered and password logins."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def _ssh_transport(self, address: str, port: int) -> Any:
        import paramiko

        sock = socket.create_connection((address, port), timeout=self.timeout)
        transport = paramiko.Transport(sock)
        transport.banner_timeout = self.timeout
        transport.auth_timeout = self.timeout
        transport.start_client(timeout=self.timeout)
        return transport

    def ssh_auth_methods(self, address: str, port: int, username: str) -> SshAuthMethods | None:
        import paramiko

        try:
            transport = self._ssh_transport(address, port)
        except (OSError, paramiko.SSHException, EOFError):
            return None
        try:
            try:
                transport.auth_none(username)
            except paramiko.BadAuthenticationType as exc:
                return SshAuthMethods(False, tuple(sorted(exc.allowed_types)))
            except (paramiko.SSHException, EOFError, OSError):
                return None
            return SshAuthMethods(True, ("none",))
        finally:
            transport.close()

    def ssh_login(self, address: str, port: int, username: str, password: str) -> bool | None:
        import paramiko

        try:
            transport = self._ssh_transport(address, port)
        except (OSError, paramiko.SSHException, EOFError):
            return None
        try:
            transport.auth_password(username, password, fallback=True)  # also keyboard-interactive
            return bool(transport.is_authenticated())
        except (paramiko.AuthenticationException, paramiko.BadAuthenticationType):
            return False
        except (paramiko.SSHException, EOFError, OSError):
            return None
        finally:
            transport.close()


class MqttPahoProbe:
    """The MQTT seam through paho-mqtt: one CONNECT and its CONNACK."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def mqtt_connect(
        self, address: str, port: int, *, tls: bool, username: str | None = None, password: str | None = None
    ) -> MqttOutcome | None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"securable-{time.monotonic_ns()}")
        if username is not None:
            client.username_pw_set(username, password)
        if tls:
            client.tls_set_context(permissive_context())
        result: dict[str, Any] = {}

        def on_connect(_c: Any, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
            result["reason"] = reason

        client.on_connect = on_connect
        try:
            client.connect(address, port, keepalive=10)
            deadline = time.monotonic() + self.timeout
            while "reason" not in result and time.monotonic() < deadline:
                if client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS:
                    break
        except (OSError, ValueError, ssl.SSLError):
            return None
        finally:
            with contextlib.suppress(Exception):
                client.disconnect()
            with contextlib.suppress(Exception):
                sock = client.socket()
                if sock is not None:
                    sock.close()
        reason = result.get("reason")
        if reason is None:
            return None
        return MqttOutcome(accepted=not reason.is_failure, reason=str(reason))


class TelnetSocketProbe:
    """The telnet seam through :func:`securable.assess.netclients.telnet_login`."""

    def __init__(self, *, timeout: float = 3.0) -> None:
        self.timeout = timeout

    def telnet_login(
        self, address: str, port: int, username: str, password: str
    ) -> netclients.TelnetOutcome | None:
        return netclients.telnet_login(address, port, username, password, timeout=self.timeout + 2)


class SocketProbe(ProbeSet):
    """The real probe: every seam over sockets. ``timeout`` bounds every single connection and read;
    ``scan_limit`` and ``scan_rate`` bound the sweeps (in flight, started per second)."""

    def __init__(
        self,
        *,
        timeout: float = 3.0,
        scan_limit: int = netscan.DEFAULT_HOST_LIMIT,
        scan_rate: float | None = netscan.DEFAULT_RATE,
    ) -> None:
        from securable.assess.targets.host.udp_probe import (
            CoapAiocoapProbe,
            MdnsUnicastProbe,
            SnmpPysnmpProbe,
            UdpSocketProbe,
        )

        self.timeout = timeout
        self.scan_limit = scan_limit
        tcp = TcpSocketProbe(timeout=timeout, scan_limit=scan_limit, scan_rate=scan_rate, first=FIRST_PORTS)
        self._tcp = tcp
        super().__init__(
            scanner=tcp,
            stream=tcp,
            tls=TlsSocketProbe(timeout=timeout),
            http=HttpSocketProbe(timeout=timeout),
            ssh_audit=SshAuditProgram(timeout=timeout),
            ssh_auth=SshParamikoProbe(timeout=timeout),
            mqtt=MqttPahoProbe(timeout=timeout),
            telnet=TelnetSocketProbe(timeout=timeout),
            udp=UdpSocketProbe(timeout=timeout, limit=scan_limit),
            snmp=SnmpPysnmpProbe(timeout=timeout),
            coap=CoapAiocoapProbe(timeout=timeout),
            mdns=MdnsUnicastProbe(timeout=timeout),
        )

    def sweep_details(self, address: str) -> netscan.SweepResult | None:
        """Every port's state from the last TCP sweep of ``address``."""
        return self._tcp.sweep_details(address)

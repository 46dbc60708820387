"""The manufacturer's telemetry endpoint for the demo: mosquitto with mutual TLS on loopback.

Devices authenticate with their IDevID (``require_certificate``, trust anchored at the
manufacturer root); the broker presents a certificate issued by the same CA. No passwords and no
anonymous access. Started as a child process with its own configuration and stopped by PID.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from securable.demo.factory import Manufacturer
from securable.device import FileKeystore
from securable.device.manufacturer import provision_device

BROKER_SERIAL = "telemetry-broker"


@dataclass
class Broker:
    host: str
    port: int
    chain: Path  # the broker's certificate chain (also used by the demo's own subscriber)
    key: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _start(mosquitto: str, conf: Path, host: str, port: int) -> subprocess.Popen[bytes] | None:
    proc = subprocess.Popen(
        [mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=5)
    return None


def _mosquitto() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None
    )


def start_plain_broker(folder: Path, *, host: str = "127.0.0.1") -> Broker | None:
    """The legacy product's telemetry broker: plaintext MQTT, any client (or None without mosquitto)."""
    mosquitto = _mosquitto()
    if mosquitto is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port(host)
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} {host}\nallow_anonymous true\npersistence false\nuser root\n"
        f"log_dest file {folder / 'mosquitto.log'}\n"
    )
    proc = _start(mosquitto, conf, host, port)
    return None if proc is None else Broker(host, port, conf, conf, proc)


def start_broker(maker: Manufacturer, folder: Path, *, host: str = "127.0.0.1") -> Broker | None:
    """Start mosquitto, or return None when it is not installed (telemetry is then skipped)."""
    mosquitto = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None
    )
    if mosquitto is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    keys = FileKeystore(folder / "keys")
    identity = provision_device(
        maker.ca, keys, folder / "identity", serial_number=BROKER_SERIAL, model="telemetry-broker"
    )
    chain = folder / "chain.pem"
    chain.write_bytes((folder / "identity" / "idevid.pem").read_bytes())
    key = folder / "key.pem"
    key.write_bytes(keys.private_key_pem("idevid"))
    key.chmod(0o600)
    port = _free_port(host)
    conf = folder / "mosquitto.conf"
    conf.write_text(
        "\n".join(
            [
                f"listener {port} {host}",
                f"cafile {maker.ca.directory / 'root.pem'}",
                f"certfile {chain}",
                f"keyfile {key}",
                "tls_version tlsv1.2",
                "require_certificate true",
                "use_identity_as_username true",
                "allow_anonymous false",
                "persistence false",
                "user root",
                f"log_dest file {folder / 'mosquitto.log'}",
            ]
        )
        + "\n"
    )
    del identity
    proc = subprocess.Popen(
        [mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return Broker(host, port, chain, key, proc)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=5)
    return None

"""The *secure* build of the demo thermostat, built only from :mod:`securable.device`'s public API.

What it shows, capability by capability (NIST IR 8259A / IR 8425):

* identification — an IDevID-style device certificate chaining to the manufacturer root,
  which the HTTPS API presents;
* configuration — a schema-validated settings store with secure defaults and a factory reset
  that restores them, removes local credentials and crypto-erases user data;
* data protection — TLS 1.2+ on every listener; telemetry to the manufacturer's MQTT broker over
  mutual TLS with the IDevID; user data in an envelope-encrypted vault;
* interface access — one declared interface (the HTTPS API); the owner's unique initial
  credential (printed on the label), argon2id hashes, expiring sessions, brute-force backoff;
* software update — a TUF-verified A/B updater against the manufacturer's update repository;
* state awareness — every security-relevant action in a tamper-evident log, whose verified
  state the owner can read through the API.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from securable.demo.thermostat import Thermostat
from securable.device import (
    AccessController,
    ConfigStore,
    DeviceIdentity,
    DeviceUpdater,
    Principal,
    Role,
    SecurityLog,
    Vault,
    identity_client_context,
    identity_server_context,
)
from securable.device.update import UpdateMode, UpdateOffer
from securable.errors import AccessDeniedError, ConfigError, SecurableError

API_PORT = 8443
#: Names of the unit's own keys in its keystore (the factory creates them, the unit uses them).
LOG_KEY = "log-signing"
VAULT_KEY = "vault-receipts"
TELEMETRY_INTERVAL = 1.0
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class DeviceFiles:
    """Where a provisioned device keeps its state (all under one folder)."""

    root: Path

    @property
    def info(self) -> Path:
        return self.root / "device.json"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def accounts(self) -> Path:
        return self.root / "accounts.json"

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def log(self) -> Path:
        return self.root / "seclog"

    @property
    def vault(self) -> Path:
        return self.root / "vault"

    @property
    def update(self) -> Path:
        return self.root / "update"


class _Api(BaseHTTPRequestHandler):
    """The owner's local API. Every route but login needs a session token."""

    server_version = "thermostat"
    device: ClassVar[SecureDevice]

    def log_message(self, format: str, *args: Any) -> None:
        return  # security events go to the security log, not to stderr

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if code == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="thermostat"')
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        raw = self.rfile.read(length) if length else b"{}"
        data = json.loads(raw or b"{}")
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data

    def _principal(self) -> Principal | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        try:
            return self.device.access.validate(header[7:].strip())
        except SecurableError:
            return None

    def _source(self) -> str:
        return str(self.client_address[0])

    def do_GET(self) -> None:
        principal = self._principal()
        if principal is None:
            self._send(401, {"error": "login required"})
            return
        if self.path == "/api/status":
            self._send(200, self.device.thermostat.status())
        elif self.path == "/api/security/state":
            self._send(200, self.device.security_state(principal))
        elif self.path == "/api/config":
            self._send(200, self.device.config.get().model_dump(mode="json"))
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        try:
            body = self._body()
        except (ValueError, json.JSONDecodeError):
            self._send(400, {"error": "body must be a JSON object of at most 64 KiB"})
            return
        if self.path == "/api/login":
            self._login(body)
            return
        principal = self._principal()
        if principal is None:
            self._send(401, {"error": "login required"})
            return
        try:
            if self.path == "/api/setpoint":
                value = body.get("setpoint")
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise ValueError("setpoint must be a number")
                self._send(200, {"setpoint": self.device.thermostat.set_setpoint(float(value))})
            elif self.path == "/api/config":
                self.device.config.change(principal, **body)
                self.device.apply_settings()
                self._send(200, self.device.config.get().model_dump(mode="json"))
            elif self.path == "/api/factory-reset":
                self.device.factory_reset(principal)
                self._send(200, {"reset": True})
            else:
                self._send(404, {"error": "not found"})
        except AccessDeniedError:
            self._send(403, {"error": "not allowed for this account"})
        except (ValueError, ConfigError) as exc:
            self._send(400, {"error": str(exc)})

    def _login(self, body: dict[str, Any]) -> None:
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            self._send(400, {"error": "username and password are required"})
            return
        try:
            session = self.device.access.authenticate(username, password, source=self._source())
        except SecurableError:
            self._send(401, {"error": "login failed"})
            return
        self._send(200, {"token": session.token, "expires": session.expires.isoformat()})


class SecureDevice:
    """The secure build running on one loopback address (see the module docstring)."""

    def __init__(
        self,
        files: DeviceFiles,
        info: dict[str, Any],
        *,
        address: str,
        identity: DeviceIdentity,
        log: SecurityLog,
        access: AccessController,
        config: ConfigStore,
        vault: Vault,
        updater: DeviceUpdater | None,
    ) -> None:
        self.files = files
        self.info = info
        self.address = address
        self.identity = identity
        self.log = log
        self.access = access
        self.config = config
        self.vault = vault
        self.updater = updater
        self.thermostat = Thermostat(serial=info["serial"], firmware_version=info["version"])
        handler = type("Api", (_Api,), {"device": self})
        self._http = ThreadingHTTPServer((address, int(info.get("api_port", API_PORT))), handler)
        self._http.daemon_threads = True
        # The HTTPS API presents the unit's IDevID chain (IEEE 802.1AR allows it for TLS).
        context = identity_server_context(identity)
        self._http.socket = context.wrap_socket(self._http.socket, server_side=True)
        self._thread: threading.Thread | None = None

    @property
    def ports(self) -> dict[str, int]:
        return {"https": int(self._http.server_address[1])}

    def start(self) -> None:
        self._stopping = threading.Event()
        self._settings_changed = threading.Event()
        self.update_state: dict[str, Any] = {"state": "checking"}
        self.apply_settings()
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()
        threading.Thread(target=self._update_round, name="update", daemon=True).start()
        if self.info.get("telemetry"):
            threading.Thread(target=self._telemetry, name="telemetry", daemon=True).start()

    def apply_settings(self) -> None:
        """Carry the owner's settings to the parts they govern (8425 PC-3): the update policy
        (enabled, automatic or notify-only) to the updater, and the telemetry opt-in to the
        telemetry sender, which checks it before every message. Called at start, after every
        configuration change and after a factory reset."""
        settings = self.config.get()
        if self.updater is not None:
            mode = UpdateMode.AUTOMATIC if settings.updates_automatic else UpdateMode.NOTIFY
            policy = self.updater.policy
            if policy.enabled != settings.updates_enabled or policy.mode is not mode:
                self.updater.set_policy(enabled=settings.updates_enabled, mode=mode, principal="config")
        if hasattr(self, "_settings_changed"):
            self._settings_changed.set()

    def stop(self) -> None:
        self._stopping.set()
        self._http.shutdown()
        self._http.server_close()

    def _update_round(self) -> None:
        """One automatic update round at start-up (a product would also run it periodically):
        install what the manufacturer published, boot it as a trial, confirm when healthy. Every
        stage is in the security log; a refusal leaves the running image untouched."""
        if self.updater is None:
            return
        if not self.updater.policy.enabled:
            self.update_state = {"state": "disabled by the owner"}
            return
        try:
            self.updater.boot()
            result = self.updater.update()
            if result is None:
                self.update_state = {"state": "up to date"}
                return
            if isinstance(result, UpdateOffer):  # notify-only: tell the owner, install nothing
                self.update_state = {"state": "available", "version": result.release.version}
                return
            boot = self.updater.boot()
            confirmed = self.updater.confirm(health_check=lambda: self._thread is not None)
            self.update_state = {
                "state": "installed",
                "version": boot.manifest.version,
                "confirmed": confirmed,
            }
        except SecurableError as exc:
            self.update_state = {"state": "refused", "reason": exc.message}

    def _telemetry(self) -> None:
        """Publish the thermostat's status to the manufacturer's broker over mutual TLS (the
        device presents its IDevID; only the manufacturer root is trusted)."""
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        target = self.info["telemetry"]
        topic = f"thermostat/{self.info['serial']}/status"
        while not self._stopping.is_set():
            if not self.config.get().telemetry_enabled:  # opt-in: nothing leaves without it
                self._settings_changed.clear()
                self._settings_changed.wait(TELEMETRY_INTERVAL)
                continue
            context = identity_client_context(
                self.identity, self.info["manufacturer_root"].encode(), check_hostname=False
            )
            client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.info["serial"])
            client.tls_set_context(context)
            try:
                client.connect(target["host"], int(target["port"]))
            except OSError as exc:
                self.log.record("telemetry.connect", "failure", error=str(exc))
                return
            self.log.record("telemetry.connect", "success", broker=f"{target['host']}:{target['port']}")
            client.loop_start()
            try:
                while not self._stopping.is_set() and self.config.get().telemetry_enabled:
                    client.publish(topic, json.dumps(self.thermostat.status()), qos=1)
                    self._settings_changed.clear()
                    self._settings_changed.wait(TELEMETRY_INTERVAL)
            finally:
                client.loop_stop()
                client.disconnect()
                self.log.record("telemetry.disconnect", "success")

    def security_state(self, principal: Principal) -> dict[str, Any]:
        """What 8259A CSA-1/2 asks for: is the device likely operating as expected?"""
        verified = self.log.verify()
        checkpoint = self.log.checkpoint()
        return {
            "state": "expected" if verified.ok else "degraded",
            "log": {"size": checkpoint.size, "root": checkpoint.root_hash.hex(), "verified": verified.ok},
            "firmware": self.info["version"],
            "update": self.update_state,
            "principal": principal.name,
        }

    def factory_reset(self, principal: Principal) -> None:
        if principal.role is not Role.OWNER:
            raise AccessDeniedError("only the owner can reset the device")
        self.config.factory_reset(principal)
        self.apply_settings()

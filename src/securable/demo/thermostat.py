"""The demo product's own function: a smart thermostat's state, shared by both builds.

Kept free of any security code so that the difference between the secure and the legacy build
is exactly the security the device kit adds, not the product logic.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

MODEL = "ST-100"
PRODUCT = "securable demo thermostat"
MANUFACTURER = "Example Thermostats Ltd (demo)"
MIN_SETPOINT = 5.0
MAX_SETPOINT = 30.0


@dataclass
class Thermostat:
    """Current temperature, setpoint and mode. Thread-safe: the API serves requests in threads."""

    serial: str
    firmware_version: str
    temperature: float = 20.5
    setpoint: float = 21.0
    mode: str = "heat"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "model": MODEL,
                "serial": self.serial,
                "firmware": self.firmware_version,
                "temperature": self.temperature,
                "setpoint": self.setpoint,
                "mode": self.mode,
            }

    def set_setpoint(self, value: float) -> float:
        """Clamp-free on purpose: out-of-range input is refused, not silently corrected."""
        if not MIN_SETPOINT <= value <= MAX_SETPOINT:
            raise ValueError(f"setpoint must be between {MIN_SETPOINT} and {MAX_SETPOINT} °C")
        with self._lock:
            self.setpoint = value
            return self.setpoint

    def set_mode(self, mode: str) -> str:
        if mode not in {"heat", "cool", "off"}:
            raise ValueError("mode must be heat, cool or off")
        with self._lock:
            self.mode = mode
            return self.mode

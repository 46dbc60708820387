"""Run one build of the demo thermostat as its own process: ``python -m securable.demo.runner``.

Each build runs in a process of its own so that ``securable demo`` can stop it exactly as a
power switch would, and so that the assessment probes a real listener, not an object in memory.
On start-up the process prints one JSON line (``{"ready": true, "ports": {...}}``) and then serves
until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    stop.wait()


def _endpoint(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    host, _, port = text.rpartition(":")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="securable.demo.runner", description=__doc__)
    parser.add_argument("--build", choices=["secure", "legacy"], required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--state", type=Path, required=True, help="the device's writable state folder")
    parser.add_argument("--serial", default="ST100-000001")
    parser.add_argument("--telemetry", help="legacy build: HOST:PORT of its plaintext MQTT broker")
    parser.add_argument("--phone-home", help="legacy build: HOST:PORT of the vendor's collection endpoint")
    args = parser.parse_args(argv)
    if args.build == "legacy":
        from securable.demo.legacy import LegacyDevice

        legacy = LegacyDevice(args.address, serial=args.serial)
        legacy.start(telemetry=_endpoint(args.telemetry), phone_home=_endpoint(args.phone_home))
        ports = legacy.ports
        stop = legacy.stop
    else:
        from securable.demo.boot import open_device

        secure = open_device(args.state, address=args.address)
        secure.start()
        ports = secure.ports
        stop = secure.stop
    sys.stdout.write(json.dumps({"ready": True, "build": args.build, "ports": ports}) + "\n")
    sys.stdout.flush()
    try:
        _wait_for_signal()
    finally:
        stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

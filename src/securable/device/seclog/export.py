"""Sending the log to a collector: RFC 5424 syslog lines or one JSON document, with a checkpoint.

Both forms end with the checkpoint that seals every exported record, so the collector can check
the records against it (recompute the root, or ask for inclusion proofs) and check the next
export against it (consistency proof). Syslog structured data uses the example private
enterprise number 32473 (RFC 5612) until a project number is assigned.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterable
from typing import Any

from securable.device.seclog.checkpoint import Checkpoint
from securable.device.seclog.log import SecurityLog
from securable.device.seclog.merkle import leaf_hash, root_hash

__all__ = ["export_json", "export_syslog", "send_syslog", "verify_export"]

_PEN = 32473
_FACILITY_AUTHPRIV = 10  # "security/authorization messages" in RFC 5424's facility table
_SEVERITY = {"failure": 4, "success": 5, "info": 6}  # warning, notice, informational


def _sd_value(value: object) -> str:
    """Escape a structured-data parameter value as RFC 5424 §6.3.3 requires."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _token(value: str, limit: int) -> str:
    """Header fields are printable US-ASCII without spaces; '-' means absent."""
    cleaned = "".join(c for c in value if 33 <= ord(c) <= 126)[:limit]
    return cleaned or "-"


def _syslog_line(
    pri: int, time: str, host: str, app: str, msgid: str, sd: dict[str, dict[str, Any]], msg: str
) -> str:
    elements = "".join(
        "[" + sd_id + "".join(f' {k}="{_sd_value(v)}"' for k, v in params.items()) + "]"
        for sd_id, params in sd.items()
    )
    return (
        f"<{pri}>1 {time} {_token(host, 255)} {_token(app, 48)} - {_token(msgid, 32)} {elements or '-'} {msg}"
    )


def export_syslog(log: SecurityLog, *, hostname: str | None = None, app_name: str = "securable") -> list[str]:
    """All records as RFC 5424 lines (the exact record JSON as MSG), then a ``checkpoint`` line.

    Exporting is itself a security event: it is logged and sealed before the export is built.
    """
    cp = _seal_for_export(log, "syslog")
    host = hostname or socket.gethostname()
    lines = []
    for raw in _lines_upto(log, cp.size):
        rec = json.loads(raw)
        severity = _SEVERITY.get(str(rec.get("outcome")), 5)
        sd = {f"seclog@{_PEN}": {"index": rec["index"], "outcome": rec.get("outcome", "")}}
        msg = raw.decode("ascii")  # the exact record bytes: the collector hashes them as they are
        lines.append(
            _syslog_line(
                _FACILITY_AUTHPRIV * 8 + severity, rec["time"], host, app_name, rec["event"], sd, msg
            )
        )
    params: dict[str, Any] = {k: v for k, v in cp.to_json().items() if v is not None}
    lines.append(
        _syslog_line(
            _FACILITY_AUTHPRIV * 8 + 6,
            cp.time.isoformat(),
            host,
            app_name,
            "checkpoint",
            {f"checkpoint@{_PEN}": params},
            cp.dumps(),
        )
    )
    return lines


def export_json(log: SecurityLog) -> dict[str, Any]:
    """``{"records": [exact record lines], "checkpoint": {...}, "public_key": PEM | None}``."""
    cp = _seal_for_export(log, "json")
    from securable.device import _crypto

    pem = _crypto.public_key_to_pem(log.public_key).decode() if log.public_key else None
    lines = [raw.decode("ascii") for raw in _lines_upto(log, cp.size)]
    return {"records": lines, "checkpoint": cp.to_json(), "public_key": pem}


def verify_export(records: Iterable[str | bytes], checkpoint: Checkpoint) -> bool:
    """A collector's check: do these exact record lines hash to the checkpoint's root?

    Check the checkpoint's signature separately with ``verify_checkpoint``.
    """
    leaves = [leaf_hash(r.encode() if isinstance(r, str) else r) for r in records]
    return len(leaves) == checkpoint.size and root_hash(leaves) == checkpoint.root_hash


def _seal_for_export(log: SecurityLog, form: str) -> Checkpoint:
    log.record("log.export", "success", format=form, records=log.size + 1)
    # The seal's own key.use record lands after the checkpoint; sealing it too would log another
    # key.use, without end. It is exported (and sealed) with the next export.
    return log.checkpoint()


def _lines_upto(log: SecurityLog, size: int) -> Iterable[bytes]:
    for count, raw in enumerate(log.lines()):
        if count >= size:
            break
        yield raw


def send_syslog(
    lines: Iterable[str],
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    timeout: float = 10.0,
) -> int:
    """Send RFC 5424 lines to a collector over TCP with octet-counting framing (RFC 6587 §3.4.1).

    Pass ``tls`` (a client context that verifies the collector) to use syslog over TLS
    (RFC 5425, same framing); plain TCP is for a collector on the same host or a lab. Returns
    the number of messages sent.
    """
    sent = 0
    with socket.create_connection((host, port), timeout=timeout) as raw:
        conn: socket.socket = (
            tls.wrap_socket(raw, server_hostname=server_hostname or host) if tls is not None else raw
        )
        try:
            for line in lines:
                data = line.encode("utf-8")
                conn.sendall(str(len(data)).encode() + b" " + data)
                sent += 1
        finally:
            if conn is not raw:
                conn.close()
    return sent

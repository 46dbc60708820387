"""How ``securable portal serve`` runs the app under uvicorn: one place, so tests start the same server.

uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 by default; a client on the same machine (or behind
a proxy that passes client headers through) could then choose its own address and walk around every
per-address limit. Here uvicorn never rewrites the address: the app does it itself, and only for the
proxies named in :attr:`PortalSettings.trusted_proxies`.
"""

from __future__ import annotations

from pathlib import Path

import uvicorn
from fastapi import FastAPI


def uvicorn_config(
    app: FastAPI,
    *,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    log_level: str = "info",
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
        forwarded_allow_ips="",
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )

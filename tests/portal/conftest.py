"""Fixtures for the portal tests: injected clock, apps on SQLite or a real PostgreSQL started here.

PostgreSQL: ``initdb`` + ``pg_ctl`` into a temporary folder, listening on 127.0.0.1 on a free high port,
run as the ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from securable.portal import ManualClock, PortalSettings, RateLimits, create_app, security
from securable.portal.models import Admin

with warnings.catch_warnings():
    # starlette 1.x suggests httpx2 for its test client; httpx is what is installed and works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SCHEMAS = Path(__file__).resolve().parent / "schemas"
START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    if port == 2024:  # the machine's own service
        return free_port()
    return port


@dataclass
class Postgres:
    port: int

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        import psycopg

        name = "portal_" + uuid.uuid4().hex[:12]
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 is not installed (apt-get install postgresql)")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("no 'postgres' user to run PostgreSQL as")
    root = Path(tempfile.mkdtemp(prefix="securable-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        for p in (root, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    port = free_port()
    run = _as_postgres()
    subprocess.run(
        [*run, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        [*run, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield Postgres(port)
    finally:
        subprocess.run(
            [*run, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@dataclass
class Portal:
    app: FastAPI
    client: TestClient
    settings: PortalSettings
    clock: ManualClock
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=body, headers=self.auth, **kw)


def settings_for(tmp: Path, db_url: str = "", limits: RateLimits | None = None) -> PortalSettings:
    return PortalSettings(
        data_dir=tmp,
        public_url="https://portal.acme.example",
        database_url=db_url,
        publisher_name="Acme Devices",
        publisher_namespace="https://acme.example",
        publisher_contact="psirt@acme.example",
        tracking_prefix="ACME-SA",
        rate_limits=limits
        or RateLimits(report_submit=1000, status_lookup=1000, login=1000, public_read=100000),
    )


def build_portal(settings: PortalSettings, clock: ManualClock, *, admin: bool = True) -> Portal:
    app = create_app(settings, clock=clock)
    token = ""
    if admin:
        with app.state.portal.sessions() as db:
            existing = db.scalar(select(Admin).where(Admin.username == "alice"))
            user = existing or security.create_admin(db, "alice", PASSWORD, clock())
            token = security.create_api_token(db, user, "tests", clock())
            db.commit()
    return Portal(app, TestClient(app, base_url="https://portal.acme.example"), settings, clock, token)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    pg: Postgres = request.getfixturevalue("postgres")
    return pg.create_database()


@pytest.fixture
def portal(tmp_path: Path, clock: ManualClock) -> Iterator[Portal]:
    """A portal on SQLite (the fast default)."""
    p = build_portal(settings_for(tmp_path), clock)
    with p.client:
        yield p
    p.app.state.engine.dispose()


@pytest.fixture
def any_portal(tmp_path: Path, clock: ManualClock, db_url: str) -> Iterator[Portal]:
    """The same portal on SQLite and on PostgreSQL."""
    p = build_portal(settings_for(tmp_path, db_url), clock)
    with p.client:
        yield p
    p.app.state.engine.dispose()


PRODUCT: dict[str, Any] = {
    "slug": "cam",
    "name": "Acme Cam",
    "model": "AC-100",
    "description": "An indoor camera.",
    "manufacturer_name": "Acme Devices",
    "manufacturer_address": "1 Example Street, Springfield",
    "manufacturer_email": "support@acme.example",
    "manufacturer_website": "https://acme.example",
    "intended_purpose": "Home monitoring over Wi-Fi.",
    "support_end": "2031-06-30",
    "support_type": "Security updates over the air, free of charge.",
    "updates_automatic": True,
    "update_instructions": "Updates install at night; see Settings > Firmware.",
    "disable_auto_update": "Settings > Firmware > Automatic updates: off.",
    "default_password_change": "The app asks for a new password at first start.",
    "secure_setup": "Use WPA3 and keep the app updated.",
    "disposal": "Settings > Reset > Erase all data, then recycle.",
    "security_capabilities": "Encrypted video, signed updates, two-factor login.",
    "label_status": "active",
    "cla_name": "Example CLA",
    "cyberlab_name": "Example Lab",
}


def seed_product(p: Portal, *, version: str = "1.2.0") -> None:
    assert p.post("/api/v1/admin/products", PRODUCT).status_code == 201
    body = {
        "version": version,
        "released_on": "2026-10-01",
        "components": [
            {"name": "openssl", "version": "3.0.11", "purl": "pkg:deb/debian/openssl@3.0.11"},
            {"name": "busybox", "version": "1.36.1", "purl": "pkg:deb/debian/busybox@1.36.1"},
        ],
    }
    assert p.post("/api/v1/admin/products/cam/versions", body).status_code == 201


def csaf_validate_cli(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run the installed CSAF validator (schema + mandatory tests, CSAF 2.0) on files."""
    exe = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "csaf"
    if not exe.exists():
        exe = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "csaf"
    return subprocess.run(
        [
            str(exe),
            "validate",
            "--spec-version",
            "v20",
            "--preset",
            "basic",
            "--no-network",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def load_schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return data

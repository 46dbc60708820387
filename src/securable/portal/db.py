"""Database plumbing: engine, sessions, and Alembic migrations run programmatically.

SQLite (a file under the data folder) is the default; PostgreSQL is selected by a
``postgresql+psycopg://`` URL. The schema is only ever created by migrations, never by ``create_all``,
so a production database and a test database go through the same steps.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from securable.errors import UsageError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SUPPORTED = ("sqlite", "postgresql")


def check_url(url: str) -> str:
    """Refuse an unusable database URL with a one-line fix instead of a driver traceback."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(
            f"database URL {url!r} is not a URL",
            diagnostics="use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB",
        ) from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise UsageError(
            f"database {parsed.get_backend_name()!r} is not supported",
            diagnostics="use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB",
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise UsageError(
            f"PostgreSQL driver {parsed.get_driver_name()!r} is not installed",
            diagnostics="write the URL as postgresql+psycopg://…",
        )
    return url


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does it with the umask's mode (often 0644).

    It holds reporters' contact details and unpublished vulnerabilities. SQLite gives its -wal and -shm
    files the database file's mode, so they follow. An existing file is tightened too.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists() and name.stat().st_mode & 0o077:
            name.chmod(0o600)


def make_engine(url: str) -> Engine:
    check_url(url)
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine, revision: str = "head", *, downgrade: bool = False) -> None:
    """Bring the schema to ``revision`` (the newest by default); a no-op on an up-to-date database.

    On SQLite, foreign keys are switched off while migrating: a column change there rebuilds the table
    (copy, drop, rename), and with foreign keys on, dropping the old ``advisories`` table would cascade
    into every row that points at it. Afterwards ``PRAGMA foreign_key_check`` must come back empty.
    """
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                (command.downgrade if downgrade else command.upgrade)(cfg, revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise UsageError(
                        "the migrated database has rows pointing at missing rows",
                        diagnostics="restore the backup and report the revision that failed",
                    )
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()

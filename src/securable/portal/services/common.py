"""What every record-type module of the services shares: the two errors, the one 404 lookup, savepoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session, SessionTransaction

from securable.errors import PortalError

T = TypeVar("T")


class NotFoundError(PortalError):
    """The named product, version, case, vulnerability or advisory does not exist."""

    exit_code = 2


class ConflictError(PortalError):
    """The object exists already, or its state does not allow the action."""

    exit_code = 2


def _one_or_404(db: Session, query: Select[T], message: str, fix: str) -> T:
    """The single row ``query`` selects, or :class:`NotFoundError` with ``message`` and ``fix``.

    Every lookup by a name the user typed goes through here, so a missing record is always a 404 with a
    fix and never a ``None`` that fails three lines later.
    """
    row = db.scalar(query)
    if row is None:
        raise NotFoundError(message, diagnostics=fix)
    return row


@contextmanager
def atomic(db: Session) -> Iterator[SessionTransaction]:
    """A savepoint around a multi-step change: if any step raises, none of them happened.

    On SQLite the write transaction is opened first (``BEGIN IMMEDIATE``). Python's sqlite3 module only
    begins a transaction before a data change, so a bare SAVEPOINT would itself become the outer
    transaction and its RELEASE would commit early; taking the write lock up front also means the reads
    inside the block see the newest committed rows instead of failing later with "database is locked".
    """
    conn = db.connection()
    if conn.dialect.name == "sqlite":
        raw: Any = conn.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    with db.begin_nested() as savepoint:
        yield savepoint

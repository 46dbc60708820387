"""Services on real databases: concurrent advisory numbering, savepoints, the vulnerability-rows migration."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from securable.portal import ManualClock, services
from securable.portal import db as portal_db
from securable.portal.models import Advisory, Vulnerability
from securable.portal.schemas import AdvisoryIn, VulnerabilityIn
from securable.portal.services.common import NotFoundError
from securable.portal.vex import VexError

from .conftest import Portal, build_portal, settings_for

THREADS = 8
ROUNDS = 3


@pytest.fixture
def db_portal(tmp_path: Path, clock: ManualClock, db_url: str) -> Iterator[Portal]:
    p = build_portal(settings_for(tmp_path, db_url), clock, admin=False)
    yield p
    p.app.state.engine.dispose()


def _vulnerability(p: Portal, ident: str = "CVE-2026-1000") -> None:
    with p.app.state.portal.sessions() as db:
        data = VulnerabilityIn(
            ident=ident, title="Telnet open", description="Telnet answers without a password."
        )
        services.create_vulnerability(db, data, p.clock())
        db.commit()


def test_concurrent_advisory_creations_get_distinct_numbers(db_portal: Portal) -> None:
    """THREADS creations released at once, ROUNDS times: each commits, numbers are unique and gap-free."""
    p = db_portal
    _vulnerability(p)
    draft = AdvisoryIn(
        title="Telnet open", summary="Telnet answers without a password.", vulnerabilities=["CVE-2026-1000"]
    )
    made: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create(barrier: threading.Barrier) -> None:
        try:
            with p.app.state.portal.sessions() as db:
                barrier.wait()
                row = services.create_advisory(db, p.settings, draft, p.clock())
                time.sleep(0.02)  # keep the transaction open so the creations overlap
                db.commit()
                with lock:
                    made.append(row.tracking_id)
        except BaseException as exc:  # collected, reported by the main thread
            with lock:
                errors.append(exc)

    for _ in range(ROUNDS):
        barrier = threading.Barrier(THREADS)
        threads = [threading.Thread(target=create, args=(barrier,)) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    expected = {f"ACME-SA-2026-{n:04d}" for n in range(1, THREADS * ROUNDS + 1)}
    assert sorted(made) == sorted(expected)
    with p.app.state.portal.sessions() as db:
        assert set(db.scalars(select(Advisory.tracking_id))) == expected


def test_numbering_skips_numbers_used_before_the_counter(db_portal: Portal) -> None:
    p = db_portal
    _vulnerability(p)
    with p.app.state.portal.sessions() as db:
        vuln = db.scalar(select(Vulnerability))
        assert vuln is not None
        db.add(
            Advisory(
                tracking_id="ACME-SA-2026-0007", title="Old", summary="From before.", created_at=p.clock()
            )
        )
        db.commit()
        assert services.allocate_tracking_id(db, p.settings, p.clock()) == "ACME-SA-2026-0008"
        next_year = datetime(2027, 1, 2, tzinfo=UTC)
        assert services.allocate_tracking_id(db, p.settings, next_year) == "ACME-SA-2027-0001"


def test_failed_creation_and_publication_leave_nothing_behind(db_portal: Portal) -> None:
    p = db_portal
    _vulnerability(p)
    with p.app.state.portal.sessions() as db:
        bad = AdvisoryIn(
            title="Two", summary="One known, one unknown.", vulnerabilities=["CVE-2026-1000", "NOPE-1"]
        )
        with pytest.raises(NotFoundError, match="NOPE-1"):
            services.create_advisory(db, p.settings, bad, p.clock())
        good = AdvisoryIn(title="One", summary="The known one only.", vulnerabilities=["CVE-2026-1000"])
        row = services.create_advisory(db, p.settings, good, p.clock())
        db.commit()
        assert row.tracking_id == "ACME-SA-2026-0001"  # the failed creation gave no number away
        # no VEX statement yet: the render refuses, and the advisory is still an unreleased draft
        with pytest.raises(VexError, match="no VEX statements"):
            services.publish_advisory(db, p.settings, row.tracking_id, "", "alice", p.clock())
        assert (row.status, row.revision, row.initial_release_at) == ("draft", 0, None)
        db.commit()
    with p.app.state.portal.sessions() as db:
        stored = services.get_advisory(db, "ACME-SA-2026-0001")
        assert (stored.status, stored.revision, stored.revision_history) == ("draft", 0, "[]")
        assert services.published_documents(db) == []


OLD_ROWS = [
    ("CVE-2026-0001", "ACME-SA-2026-0001", "CVE-2026-0001"),
    ("CVE-2026-0002", "ACME-SA-2026-0002", "CVE-2026-0002,CVE-2026-0001"),
]


def test_migration_moves_comma_joined_ids_into_rows_and_back(db_url: str, tmp_path: Path) -> None:
    """A database at 0001 holding old-format advisories upgrades to rows, downgrades to the column."""
    engine = portal_db.make_engine(db_url)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    try:
        portal_db.migrate(engine, "0001")
        with engine.begin() as conn:
            for ident, tracking, joined in OLD_ROWS:
                conn.execute(
                    sa.text(
                        "INSERT INTO vulnerabilities (ident, title, description, cwe, created_at) "
                        "VALUES (:i, 'T', 'Description.', '', :at)"
                    ),
                    {"i": ident, "at": at},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO advisories (tracking_id, title, summary, profile, vulnerability_ids,"
                        " status, revision, revision_history, created_at) VALUES (:t, 'Title', 'Summary.',"
                        " 'csaf_security_advisory', :v, 'draft', 0, '[]', :at)"
                    ),
                    {"t": tracking, "v": joined, "at": at},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO published_documents (advisory_id, path, content, sha256, sha512,"
                    " initial_release_at, current_release_at, title, tracking_id) SELECT id,"
                    " '2026/acme-sa-2026-0001.json', '{}', 'a', 'b', :at, :at, title, tracking_id"
                    " FROM advisories WHERE tracking_id = 'ACME-SA-2026-0001'"
                ),
                {"at": at},
            )
        portal_db.migrate(engine)
        with portal_db.session_factory(engine)() as db:
            got = {a.tracking_id: a.vulnerability_idents for a in db.scalars(select(Advisory))}
            assert got == {t: j.split(",") for _, t, j in OLD_ROWS}
            # rebuilding the advisories table (SQLite) must not cascade into rows that point at it
            assert [d.tracking_id for d in services.published_documents(db)] == ["ACME-SA-2026-0001"]
            # the counter starts above the numbers in use
            assert (
                services.allocate_tracking_id(db, settings_for(tmp_path, db_url), at) == "ACME-SA-2026-0003"
            )
        portal_db.migrate(engine, "0001", downgrade=True)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT tracking_id, vulnerability_ids FROM advisories"))
            back = dict(rows.all())
            assert back == {t: j for _, t, j in OLD_ROWS}
            assert "advisory_vulnerabilities" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM published_documents")).scalar() == 1
        portal_db.migrate(engine)  # and up again
    finally:
        engine.dispose()

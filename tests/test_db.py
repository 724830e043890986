"""The engine's SQLite settings: writers take the lock at BEGIN, read-only transactions do not wait for them;
the read engine of requests that only read; bulk commits whose WAL checkpoints run beside them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from smartcustoms import db
from smartcustoms.db import READ_ONLY, bulk_checkpoints, checkpointing, make_engine, read_engine


def test_a_read_only_transaction_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    writer, other = make_engine(url), make_engine(url)
    with writer.begin() as w:
        w.execute(text("CREATE TABLE t (x INTEGER)"))
        w.execute(text("INSERT INTO t VALUES (1)"))
    with writer.begin() as w:
        w.execute(text("INSERT INTO t VALUES (2)"))  # uncommitted while the other engine reads
        reader = other.execution_options(**{READ_ONLY: True})
        with reader.begin() as r:
            assert r.execute(text("SELECT x FROM t")).scalars().all() == [1]  # its snapshot, no waiting
        # Without the option a transaction takes the write lock first, so it has to wait for the writer.
        with other.connect() as c:
            c.connection.dbapi_connection.execute("PRAGMA busy_timeout = 50")
            with pytest.raises(OperationalError, match="locked"):
                c.begin()
    with other.begin() as r:
        assert r.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_the_read_engine_reads_beside_the_writer_and_cannot_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    writer = make_engine(url)
    with writer.begin() as w:
        w.execute(text("CREATE TABLE t (x INTEGER)"))
        w.execute(text("INSERT INTO t VALUES (1)"))
    readers = read_engine(writer)
    assert readers is not writer and readers.pool is not writer.pool  # its own connections
    with writer.begin() as w:
        w.execute(text("INSERT INTO t VALUES (2)"))  # the writer's one connection holds the write lock
        with readers.connect() as r, r.begin():
            r.connection.dbapi_connection.execute("PRAGMA busy_timeout = 50")  # a wait would fail, not hang
            assert r.execute(text("SELECT x FROM t")).scalars().all() == [1]  # the committed snapshot
    with readers.connect() as r, r.begin():
        assert r.execute(text("SELECT count(*) FROM t")).scalar() == 2
        with pytest.raises(OperationalError, match="readonly"):
            r.execute(text("INSERT INTO t VALUES (3)"))
    with writer.begin() as w:
        assert w.execute(text("SELECT count(*) FROM t")).scalar() == 2
    assert read_engine(make_engine(url)).pool is readers.pool  # one readers' pool per database file


def test_an_in_memory_database_is_read_on_the_engine_itself() -> None:
    engine = create_engine("sqlite://")  # one connection holds the whole database
    readers = read_engine(engine)
    assert readers.pool is engine.pool
    assert readers.get_execution_options()[READ_ONLY] is True


def test_postgresql_readers_share_the_pool_in_read_only_transactions(engine: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL's read-only transactions")
    readers = read_engine(engine)
    assert readers.pool is engine.pool
    with readers.connect() as r, r.begin():
        assert r.execute(text("SHOW transaction_read_only")).scalar() == "on"
        with pytest.raises(DBAPIError, match="read-only transaction"):
            r.execute(text("CREATE TEMPORARY TABLE read_engine_probe (x integer)"))
    # One snapshot for every statement of a request: a commit between two reads is not seen by the second.
    with engine.begin() as w:
        w.execute(text("CREATE TABLE IF NOT EXISTS read_snapshot_probe (x integer)"))
    with readers.connect() as r, r.begin():
        assert r.execute(text("SHOW transaction_isolation")).scalar() == "repeatable read"
        before = r.execute(text("SELECT count(*) FROM read_snapshot_probe")).scalar()
        with engine.begin() as w:
            w.execute(text("INSERT INTO read_snapshot_probe VALUES (1)"))
        assert r.execute(text("SELECT count(*) FROM read_snapshot_probe")).scalar() == before
    # The connection goes back to the pool writable, at the default level: the application's next transaction
    # may write, and sees what others committed statement by statement.
    with engine.connect() as c, c.begin():
        assert c.execute(text("SHOW transaction_read_only")).scalar() == "off"
        assert c.execute(text("SHOW transaction_isolation")).scalar() == "read committed"


def _wal_after_writes(url: str, path: Path, hold: bool, pause: float = 0.12, count: int = 10) -> int:
    """The WAL file's size after `count` bulk transactions of ~100 KB each (as the intake's chunks: the threshold
    raised in each), `pause` s apart."""
    writer = make_engine(url)
    with writer.begin() as w:
        w.execute(text("CREATE TABLE IF NOT EXISTS t (x TEXT)"))

    def write() -> None:
        for _ in range(count):
            with writer.begin() as w:
                bulk_checkpoints(w, True)
                w.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "y" * 1000}] * 100)
            time.sleep(pause)

    if hold:
        with checkpointing(writer):
            write()
    else:
        write()
    size = Path(f"{path}-wal").stat().st_size
    writer.dispose()
    return size


def test_bulk_commits_leave_checkpoints_to_the_thread_held_beside_them(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "CHECKPOINT_EVERY_S", 0.05)  # one checkpoint between two of the test's commits
    alone, held = tmp_path / "alone.sqlite", tmp_path / "held.sqlite"
    with make_engine(f"sqlite:///{alone}").connect() as c:
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.APP_WAL_PAGES  # the application's
        bulk_checkpoints(c, True)
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.BULK_WAL_PAGES
        bulk_checkpoints(c, False)
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == db.APP_WAL_PAGES
    # Without checkpoints (below the bulk threshold) the WAL grows with every commit; with the thread it is
    # copied back between them and starts again from its beginning.
    grown = _wal_after_writes(f"sqlite:///{alone}", alone, hold=False)
    kept = _wal_after_writes(f"sqlite:///{held}", held, hold=True)
    assert grown > 1_000_000 and kept < grown / 3
    deadline = time.monotonic() + 5
    while str(held) in db._CHECKPOINTS and time.monotonic() < deadline:
        time.sleep(0.01)
    assert str(held) not in db._CHECKPOINTS  # the thread ends once nobody holds it


def test_back_to_back_bulk_commits_keep_the_wal_under_the_bulk_threshold(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits with no pause between them leave the thread no moment to start the WAL again; the commits' own
    threshold does (a 100 KB transaction is ~25 pages; 40 of them write ~4.5 MB of WAL, against a threshold of 100
    pages; a commit whose checkpoint meets the thread's skips it, so the WAL may pass the threshold by a few
    transactions)."""
    monkeypatch.setattr(db, "BULK_WAL_PAGES", 100)
    monkeypatch.setattr(db, "CHECKPOINT_EVERY_S", 0.05)
    path = tmp_path / "chain.sqlite"
    assert _wal_after_writes(f"sqlite:///{path}", path, hold=True, pause=0, count=40) < 2_000_000


def test_checkpointing_is_nothing_for_other_databases() -> None:
    memory = create_engine("sqlite://")
    before = set(db._CHECKPOINTS)
    with checkpointing(memory):
        assert set(db._CHECKPOINTS) <= before  # no thread started for it

"""The engine's SQLite settings: writers take the lock at BEGIN, read-only transactions do not wait for them;
the read engine of requests that only read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from smartcustoms.db import READ_ONLY, make_engine, read_engine


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
    # The connection goes back to the pool writable: the application's next transaction may write.
    with engine.connect() as c, c.begin():
        assert c.execute(text("SHOW transaction_read_only")).scalar() == "off"

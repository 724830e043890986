"""The engine's SQLite settings: writers take the lock at BEGIN, read-only transactions do not wait for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from smartcustoms.db import READ_ONLY, make_engine


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

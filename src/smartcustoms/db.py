"""Engine, session factory, declarative Base and portable column types (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Dialect, Engine, String, Text, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import DateTime, TypeDecorator

from smartcustoms.settings import get_settings

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Base of every table."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC; SQLite returns them aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: times are timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals (rates, foreign amounts) kept as text, so SQLite never rounds them through float."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class JSONText(TypeDecorator[Any]):
    """JSON kept as canonical text (same bytes on every backend)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def utcnow() -> datetime:
    """Now, timezone-aware."""
    return datetime.now(UTC)


# Execution option of an engine or connection whose transactions only read (SQLite: no write lock taken).
READ_ONLY = "smartcustoms_read_only"
# SQLite: a commit checkpoints the WAL once it holds this many pages (see make_engine).
APP_WAL_PAGES = 10_000


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: SQLite runs one writer at a time anyway, and queueing requests on
        # the pool wakes them in order, where competing connections would poll SQLite's busy handler
        # (p99 of 2 s at 8 concurrent clients in benchmarks/lodge_latency.py, against tens of ms here).
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Checkpoint every 10,000 WAL pages (40 MB) rather than 1,000: a bulk intake dirties index pages all
            # over (the split window's index is random), and a page rewritten by several commits between two
            # checkpoints is copied back once. Raw insert of 200,000 consignments: 13,520 -> 17,030 rows/s.
            cur.execute(f"PRAGMA wal_autocheckpoint={APP_WAL_PAGES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock at the start, so a transaction that reads and then writes
            # (every lodgement) waits for the busy timeout instead of failing on lock upgrade. SQLite
            # serialises writers anyway; PostgreSQL is the choice for concurrent load. A caller that only
            # reads says so (READ_ONLY) and gets a plain BEGIN: it reads its snapshot without waiting for a
            # writer (the e-commerce intake looks up rates while its worker process commits a chunk).
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def pg_text_array(values: list[str]) -> str:
    """A PostgreSQL text[] literal of `values`, each quoted (backslash and double quote escaped), so that commas,
    braces, spaces and the word NULL inside a value stay text. The driver's own list parameter costs ~3.5 µs of CPU
    per value (7 ms per 2,000-value lookup); this ~0.65 µs. Used for the
    e-commerce intake's lookups and running totals."""
    return "{" + ",".join(['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]) + "}"


# Connections of a SQLite file's readers' pool (WAL lets them read side by side, and beside the one writer).
READERS = 4


def read_engine(engine: Engine) -> Engine:
    """The engine for requests that only read, on `engine`'s database.

    SQLite (a file): its own pool of query-only connections with plain BEGIN. The application's engine has one
    connection and takes the write lock at BEGIN, so during a bulk intake a console page used to wait for the
    chunk being committed (p99 384 ms measured, see docs/ecommerce.md); a reader reads the last committed
    snapshot at once. A request given a reader that writes fails ("attempt to write a readonly database")
    rather than writing. PostgreSQL: the same pool in READ ONLY transactions (its readers never waited for
    writers) at REPEATABLE READ, so that every statement of a request reads one snapshot, as on SQLite: at READ
    COMMITTED a manifest committed between a page's two statements showed its open parcels as released in the
    officers' totals (a probe). Read-only transactions are never refused at that level. An in-memory SQLite
    database exists on one connection only: the engine itself, reading.
    """
    if engine.dialect.name != "sqlite":
        return engine.execution_options(postgresql_readonly=True, isolation_level="REPEATABLE READ")
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query.get("mode") == "memory":
        return engine.execution_options(**{READ_ONLY: True})
    return _sqlite_readers(engine.url.render_as_string(hide_password=False))


@lru_cache(maxsize=8)
def _sqlite_readers(url: str) -> Engine:
    readers = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=READERS, max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(readers, "connect")
    def _query_only(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN below: one snapshot for every statement of a request
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(readers, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return readers


# While an intake runs, its commits checkpoint only when the WAL holds this many pages (~100 MB): the thread of
# `checkpointing` copies the pages back beside the commits, but only a checkpoint with no commit beside it lets the
# WAL start again from its beginning, and the intake's commits follow one another (a PASSIVE checkpoint beside
# back-to-back commits left a 705 MB WAL after 4 s in a review's experiment). So the WAL stays under ~100 MB plus a
# chunk, and the commit that crosses the mark finds most of the copying done.
BULK_WAL_PAGES = 25_000


def bulk_checkpoints(conn: Any, during: bool) -> None:
    """Set a SQLite connection's automatic checkpoints for a bulk intake (`during`: only past BULK_WAL_PAGES, the
    rest left to `checkpointing`) or back to the application's.

    The e-commerce intake raises it in each chunk's transaction, in its own process (on the application's
    connection: requests queue for it beside the intake, in turn, instead of polling SQLite's busy handler against
    back-to-back commits) and in the worker, and in the manifest's opening and closing commits (which would
    otherwise copy back, in line between two manifests, the WAL the chunks left); the intake's process lowers it
    again after each of those two, and when an intake stops short of its closing commit."""
    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(BULK_WAL_PAGES if during else APP_WAL_PAGES)}")


CHECKPOINT_EVERY_S = 0.5
_CHECKPOINTS_LOCK = threading.Lock()
_CHECKPOINTS: dict[str, dict[str, int]] = {}  # database file -> {"holders": n}, while its thread runs


@contextmanager
def checkpointing(engine: Engine) -> Iterator[None]:
    """While held (by any thread of this process), a thread checkpoints the SQLite file's WAL every 0.5 s on
    a connection of its own (PASSIVE: it never waits for writers or readers and copies what they no longer need),
    then once more after the last holder is gone. Nothing for other databases (PostgreSQL, in memory).

    The intake's commits, which checkpoint only past BULK_WAL_PAGES meanwhile, rely on it: the checkpoint's
    copying and its fsync run beside them instead of inside one of them. Every half second: a page rewritten by
    several commits in between is copied back once (1M consignments into SQLite: 142 µs of CPU per consignment
    at 0.5 s against 160 at 0.05 s; see docs/ecommerce.md)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" \
            or engine.url.query.get("mode") == "memory" or database.startswith("file:"):
        yield
        return
    with _CHECKPOINTS_LOCK:
        entry = _CHECKPOINTS.get(database)
        if entry is None:
            entry = _CHECKPOINTS[database] = {"holders": 0}
            threading.Thread(target=_checkpoints, args=(database, entry), name="sqlite-checkpoints",
                             daemon=True).start()
        entry["holders"] += 1
    try:
        yield
    finally:
        with _CHECKPOINTS_LOCK:
            entry["holders"] -= 1


def _checkpoints(database: str, entry: dict[str, int]) -> None:
    conn = None
    try:
        conn = sqlite3.connect(database, timeout=30, isolation_level=None, check_same_thread=False)
        while True:
            time.sleep(CHECKPOINT_EVERY_S)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except Exception:
                log.exception("background WAL checkpoint of %s failed", database)
            with _CHECKPOINTS_LOCK:
                if entry["holders"] <= 0:
                    return
    except Exception:
        log.exception("background WAL checkpoints of %s stopped", database)
    finally:
        # Gone (or failed): the next holder starts a new thread. The commits' own threshold bounds the WAL meanwhile.
        with _CHECKPOINTS_LOCK:
            if _CHECKPOINTS.get(database) is entry:
                del _CHECKPOINTS[database]
        if conn is not None:
            conn.close()


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    """Cached engine per URL."""
    return make_engine(url)


def get_engine() -> Engine:
    """The engine for the configured database."""
    return engine_for(get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Sessions that never expire loaded objects on commit (services return them after commit)."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error (CLI and jobs)."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

"""Test setup on real parts: a database built by the migrations, a transaction rolled back per test.

SMARTCUSTOMS_TEST_DATABASE_URL selects the server (scripts/test.sh sets it to a PostgreSQL server it
installs and starts); without it the suite runs on a temporary SQLite file.
"""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

os.environ.setdefault("SMARTCUSTOMS_ENV", "test")

from smartcustoms import migrate
from smartcustoms.app import create_app
from smartcustoms.db import make_engine
from smartcustoms.deps import get_read_session, get_session
from smartcustoms.identity import service as identity
from smartcustoms.identity.models import Trader
from smartcustoms.settings import get_settings

# The project's shared data sets sit beside the checkout (../shared/data), in CI too.
SHARED_DATA = Path(
    os.environ.get("SMARTCUSTOMS_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
)


@pytest.fixture(autouse=True)
def _cycle_gc_thresholds() -> Iterator[None]:
    """The e-commerce intake and app raise this process's cycle-collector thresholds (ecommerce/cycle_gc.py): put
    back after each test, so a later test meets the collector as it was (a finaliser in a cycle runs when it used
    to, not in some unrelated test)."""
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data; missing in CI is a failure, elsewhere the test is skipped."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"{path} not found (set SMARTCUSTOMS_SHARED_DATA to the shared data folder)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _server_url() -> str | None:
    return os.environ.get("SMARTCUSTOMS_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def backend() -> str:
    """'postgresql' or 'sqlite'."""
    url = _server_url()
    return "postgresql" if url and url.startswith("postgresql") else "sqlite"


@pytest.fixture(scope="session")
def new_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """Factory of empty databases: a new PostgreSQL database on the test server, or a new SQLite file."""
    server = _server_url()
    created: list[str] = []
    admin: Engine | None = None
    if server:
        admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")

    def make() -> str:
        if server is None:
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'smartcustoms.db'}"
        assert admin is not None
        name = f"sc_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(server).set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(new_database_url: Callable[[], str]) -> str:
    return new_database_url()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """One database per test session, built by the migrations."""
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test (commits become savepoints)."""
    conn = engine.connect()
    outer = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        conn.close()


@pytest.fixture()
def app(engine: Engine, session: Session):  # type: ignore[no-untyped-def]
    """The real app, its requests running in the test's session."""
    application = create_app(engine)

    def _session() -> Iterator[Session]:
        yield session

    def _read_session() -> Iterator[Session]:
        yield from read_only(session)

    application.dependency_overrides[get_session] = _session
    application.dependency_overrides[get_read_session] = _read_session
    return application


def read_only(session: Session) -> Iterator[Session]:
    """The test's session, unable to write for the length of a request: what `get_read_session` promises.

    A route that only reads is served from the read engine (query-only SQLite connections, READ ONLY PostgreSQL
    transactions). Here it reads the test's uncommitted data, so the same promise is kept on the test's
    connection: SQLite's `query_only`, or PostgreSQL's `transaction_read_only` inside a savepoint rolled back
    afterwards (which also undoes the setting). A route that writes fails its tests.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only=ON")
        try:
            yield session
        finally:
            conn.exec_driver_sql("PRAGMA query_only=OFF")
        return
    savepoint = conn.begin_nested()
    conn.exec_driver_sql("SET LOCAL transaction_read_only = on")
    try:
        yield session
    finally:
        savepoint.rollback()


@pytest.fixture()
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@pytest.fixture()
def make_trader(session: Session) -> Callable[..., tuple[Trader, str]]:
    """Create a trader and return it with a fresh API key."""

    def make(name: str = "Test Importer", code: str | None = None, aeo: bool = False,
             kind: str = "importer") -> tuple[Trader, str]:
        trader = identity.create_trader(session, name, code or f"T-{uuid.uuid4().hex[:8].upper()}", kind, aeo)
        return trader, identity.issue_api_key(session, trader)

    return make


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()

"""The app's guard before any route: a path with control characters names nothing (404, naming the path)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from smartcustoms.app import readable


@pytest.fixture()
def bearer(make_trader: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_trader()[1]}"}


@pytest.mark.parametrize("url", [
    "/api/v1/parcels/a%00b", "/api/v1/manifests/M1%0A/results", "/api/v1/manifests/%00",
    "/api/v1/import-declarations/x%7F", "/api/v1/officer/ecommerce/consignments/a%00b",
])
def test_a_path_with_control_characters_is_not_found_and_says_why(client: TestClient, bearer: dict[str, str],
                                                                   url: str) -> None:
    r = client.get(url, headers=bearer)  # were 500s on PostgreSQL
    assert r.status_code == 404, r.text
    assert r.json()["errors"] == [{"field": "path", "reason": "control characters are not allowed",
                                   "code": "not_found"}]


def test_ordinary_paths_pass(client: TestClient, bearer: dict[str, str]) -> None:
    r = client.get("/api/v1/parcels/%E6%9D%B1-1", headers=bearer)
    assert r.status_code == 404 and r.json()["errors"] == []  # the route's own not found
    assert client.get("/api/v1/import-declarations?limit=5", headers=bearer).status_code == 200
    assert readable("/api/v1/parcels/東京 1%") and not readable("/a\tb")


def test_a_console_path_with_control_characters_answers_a_page_in_both_languages(client: TestClient) -> None:
    r = client.get("/console/ecommerce/consignments/a%00b")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "見つかりません" in r.text and "Not found" in r.text


def test_the_server_runs_its_scheduled_jobs_while_it_serves_and_a_tests_engine_does_not(
        new_database_url: Any, engine: Any) -> None:
    """create_app(engine) (tests) starts no housekeeping; with it, the app's lifespan starts the thread, which runs
    every due job (here on an empty database: no band, no manifest), and stops it at shutdown."""
    import time

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from smartcustoms import migrate
    from smartcustoms.app import create_app
    from smartcustoms.db import make_engine
    from smartcustoms.housekeeping.models import ScheduledRun

    assert create_app(engine).state.housekeeper is None
    own = make_engine(new_database_url())
    migrate.upgrade(own)
    try:
        app = create_app(own, housekeeping=True)
        keeper = app.state.housekeeper
        with TestClient(app) as c:
            assert keeper.running and c.get("/healthz").status_code == 200
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with Session(own) as s:
                    rows = {r.job: r for r in s.scalars(select(ScheduledRun)) if r.finished_at is not None}
                if len(rows) == 3:
                    break
                time.sleep(0.05)
        assert not keeper.running
        assert rows["ecommerce.sweep"].outcome == "0 manifest(s) marked interrupted"
        assert rows["ecommerce.key_expiry"].outcome == ("0 manifest key(s) and 0 action key(s) older than 30 day(s) "
                                                        "removed")
        assert (rows["ecommerce.value_refs"].outcome or "").startswith("no band of 30 lines from 0 consignment(s)")
    finally:
        own.dispose()


def test_the_server_runs_housekeeping_unless_it_is_switched_off(new_database_url: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcustoms.app import create_app
    from smartcustoms.settings import get_settings

    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", new_database_url())
    assert create_app().state.housekeeper is not None  # the server's own engine: on by default
    monkeypatch.setenv("SMARTCUSTOMS_HOUSEKEEPING", "false")
    get_settings.cache_clear()
    assert create_app().state.housekeeper is None
    assert create_app(housekeeping=True).state.housekeeper is not None  # asked for explicitly


def test_a_deadlock_is_a_503_to_retry_and_other_database_errors_stay_500s(new_database_url: Any) -> None:
    """A transaction the database stopped (deadlock 40P01, serialization 40001, SQLite busy) wrote nothing: said as
    a 503 with Retry-After, not an unexplained 500, and on a console page in the officer's language; any other
    database error is raised on as before (the server's 500)."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from smartcustoms.app import create_app
    from smartcustoms.console.i18n import translate
    from smartcustoms.db import make_engine

    class Orig(Exception):
        def __init__(self, sqlstate: str | None, sqlite_errorname: str = "") -> None:
            super().__init__("stopped")
            self.sqlstate, self.sqlite_errorname = sqlstate, sqlite_errorname

    engine = make_engine(new_database_url())
    app = create_app(engine)
    raised: dict[str, Exception] = {
        "deadlock": OperationalError("UPDATE x", {}, Orig("40P01")),
        "serialization": OperationalError("UPDATE x", {}, Orig("40001")),
        "other": IntegrityError("INSERT x", {}, Orig("23505")),
        "busy": OperationalError("UPDATE x", {}, Orig(None, "SQLITE_BUSY")),
        "sqlite": OperationalError("UPDATE x", {}, Orig(None, "SQLITE_CORRUPT")),
    }

    @app.get("/api/v1/probe/{kind}")
    @app.get("/console/probe/{kind}")
    def probe(kind: str) -> None:
        if kind == "bug":
            raise KeyError("a bug")
        raise raised[kind]

    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            for kind in ("deadlock", "serialization", "busy"):
                r = client.get(f"/api/v1/probe/{kind}")
                assert r.status_code == 503 and r.headers["Retry-After"] == "1", r.text
                assert r.json()["error"] == "database_conflict" and "send it again" in r.json()["message"]
                for lang in ("en", "ja"):
                    page = client.get(f"/console/probe/{kind}?lang={lang}")
                    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
                    assert page.headers["content-type"].startswith("text/html")
                    assert translate(lang, "error.database_conflict") in page.text
                # Posted in place by htmx (which swaps 2xx and 4xx only): a 409 whose page replaces the main part.
                swapped = client.get(f"/console/probe/{kind}", headers={"HX-Request": "true"})
                assert swapped.status_code == 409 and swapped.headers["HX-Retarget"] == "#main"
                assert swapped.headers["HX-Reselect"] == "#main" and 'id="main"' in swapped.text
            for kind in ("other", "sqlite", "bug"):  # the server's 500: JSON for the API, a page elsewhere
                r = client.get(f"/api/v1/probe/{kind}")
                assert r.status_code == 500 and r.json()["error"] == "internal_error"
                page = client.get(f"/console/probe/{kind}")
                assert page.status_code == 500 and "サーバーエラー" in page.text and "Server error" in page.text
                assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        with TestClient(app) as client, pytest.raises(IntegrityError):
            client.get("/api/v1/probe/other")  # raised on to the server (and the tests) after the answer
    finally:
        engine.dispose()

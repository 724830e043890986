"""An import amendment racing an officer's decision or another amendment, against a real server (both backends).

The officer's transaction holds the declaration while the trader's PUT arrives: the PUT must wait and then see the
decision (a held declaration is not amended), not overwrite it with what it read before."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.audit import service as audit
from smartcustoms.db import make_engine
from smartcustoms.declarations import service
from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.identity import service as identity
from smartcustoms.risk import service as risk
from tests.declarations.helpers import auth, body, line
from tests.live import serve

URL = "/api/v1/import-declarations"


def _setup(make_url: Callable[[], str]) -> tuple[Engine, str]:
    engine = make_engine(make_url())
    migrate.upgrade(engine)
    with Session(engine) as s:
        risk.create_profile(s, risk.ProfileSpec("docs", 2, "value check", min_value_jpy=100_000), "test")
        key = identity.issue_api_key(s, identity.create_trader(s, "Racer Imports", "RACEI"))
        s.commit()
    return engine, key


def _wait_until_blocked(engine: Engine, done: threading.Event) -> None:
    """Until the request waits on a lock (PostgreSQL shows it), or a moment (SQLite queues it on its write lock)."""
    if engine.dialect.name != "postgresql":
        done.wait(1.0)
        return
    with engine.connect() as conn:
        for _ in range(600):
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock'")).scalar_one()
            if waiting or done.is_set():
                return
            time.sleep(0.05)


def test_amendment_waits_for_an_officers_hold_and_is_refused(new_database_url: Callable[[], str]) -> None:
    engine, key = _setup(new_database_url)
    try:
        with serve(engine) as base, httpx.Client(base_url=base, timeout=120) as client:
            r = client.post(URL, json=body(), headers=auth(key))
            assert r.status_code == 201, r.text
            lodged = r.json()
            assert lodged["status"] == "under_review"
            with Session(engine) as officer:
                service.decide(officer, lodged["id"], action="hold", reason="suspected undervaluation",
                               officer="tanaka", role="officer")
                officer.flush()
                done = threading.Event()
                result: dict[str, Any] = {}

                def put() -> None:
                    try:
                        result["r"] = client.put(f"{URL}/{lodged['id']}", json=body(line(customs_value="150000")),
                                                 headers=auth(key))
                    finally:
                        done.set()

                worker = threading.Thread(target=put)
                worker.start()
                _wait_until_blocked(engine, done)
                officer.commit()
                worker.join(timeout=120)
        assert result["r"].status_code == 409, result["r"].text
        with Session(engine) as s:
            d = s.get(ImportDeclaration, lodged["id"])
            assert d is not None and (d.status, d.version) == ("held", 1)
            assert audit.verify(s)[1] is None
            assert service.verify_contents(s) == (1, None)
    finally:
        engine.dispose()


def _four_amendments_at_once(engine: Engine, key: str,
                             request: Callable[[int], tuple[dict[str, Any], dict[str, str]]]
                             ) -> tuple[str, list[httpx.Response]]:
    """Lodge a declaration over a real server, then send four amendments of it at once (`request(i)` gives the
    i-th body and headers); the declaration id and the four answers."""
    with serve(engine) as base, httpx.Client(base_url=base, timeout=120) as client:
        r = client.post(URL, json=body(), headers=auth(key))
        assert r.status_code == 201, r.text
        did = r.json()["id"]

        def put(i: int) -> httpx.Response:
            amended, headers = request(i)
            return client.put(f"{URL}/{did}", json=amended, headers=auth(key, **headers))

        with ThreadPoolExecutor(4) as pool:
            return did, list(pool.map(put, range(4)))


def test_two_amendments_of_one_version_one_wins(new_database_url: Callable[[], str]) -> None:
    engine, key = _setup(new_database_url)
    try:
        did, responses = _four_amendments_at_once(engine, key, lambda i: (
            body(line(customs_value=str(150_000 + i))), {"If-Match": '"1"'}))
        assert sorted(x.status_code for x in responses) == [200, 412, 412, 412], [x.text for x in responses]
        with Session(engine) as s:
            d = s.get(ImportDeclaration, did)
            assert d is not None and d.version == 2
            assert service.verify_contents(s) == (1, None)
    finally:
        engine.dispose()


def test_one_amendment_retried_at_once_with_its_key_is_applied_once(new_database_url: Callable[[], str]) -> None:
    engine, key = _setup(new_database_url)
    try:
        did, responses = _four_amendments_at_once(engine, key, lambda _: (
            body(line(customs_value="150000")), {"If-Match": '"1"', "Idempotency-Key": "retry-storm"}))
        assert [x.status_code for x in responses] == [200] * 4, [x.text for x in responses]
        assert {x.json()["version"] for x in responses} == {2}
        assert sum(x.headers.get("Idempotent-Replayed") == "true" for x in responses) == 3
        with Session(engine) as s:
            d = s.get(ImportDeclaration, did)
            assert d is not None and d.version == 2
            assert [h.action for h in service.history(s, did)] == ["lodged", "amended"]
            assert service.verify_contents(s) == (1, None)
    finally:
        engine.dispose()

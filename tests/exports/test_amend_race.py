"""An amendment racing an officer's verdict or another amendment, against a real server (both backends).

The officer's transaction holds the export while the trader's PUT arrives; the PUT must wait for it and then see
what the officer decided, not overwrite it with what it read before."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.audit import service as audit
from smartcustoms.db import make_engine
from smartcustoms.exports import service
from smartcustoms.exports.models import ExportDeclaration, ExportHit
from smartcustoms.identity import service as identity
from tests.conftest import shared_data
from tests.exports.helpers import auth, body, load_eul
from tests.live import serve

URL = "/api/v1/export-declarations"
LISTED = {"name": "AIR KORYO", "address": "Shenyang office", "country": "CN"}
OTHER = {"name": "Maple Leaf Retail Inc.", "address": "x", "country": "CN"}


@contextmanager
def exporter_server(make_url: Callable[[], str]) -> Iterator[tuple[Engine, str, httpx.Client]]:
    engine = make_engine(make_url())
    migrate.upgrade(engine)
    with Session(engine) as s:
        key = identity.issue_api_key(s, identity.create_trader(s, "Racer Exports", "RACER"))
        load_eul(s, shared_data("watchlists", "meti-end-user-list-2025-09-29.csv"))
        s.commit()
    try:
        with serve(engine) as base, httpx.Client(base_url=base, timeout=120) as client:
            yield engine, key, client
    finally:
        engine.dispose()


def _wait_until_blocked(engine: Engine, done: threading.Event) -> None:
    """Until the request waits on a lock (PostgreSQL shows it), or finished without waiting (SQLite: a moment)."""
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


def test_amendment_waits_for_a_true_match_verdict_and_is_refused(new_database_url: Callable[[], str]) -> None:
    with exporter_server(new_database_url) as (engine, key, client):
        r = client.post(URL, json=body(consignee=LISTED, end_user=None, destination_country="CN"), headers=auth(key))
        assert r.status_code == 201, r.text
        lodged = r.json()
        hit_id = next(h["id"] for h in lodged["hits"] if h["kind"] == "party")

        with Session(engine) as officer:
            # The officer's verdict is written but not yet committed when the trader's amendment arrives.
            service.resolve_hit(officer, lodged["id"], hit_id, resolution="true_match", reason="same airline",
                                officer="obata")
            officer.flush()
            done = threading.Event()
            result: dict[str, Any] = {}

            def put() -> None:
                try:
                    result["r"] = client.put(f"{URL}/{lodged['id']}", json=body(consignee=OTHER, end_user=None,
                                                                               destination_country="CN"),
                                             headers=auth(key))
                finally:
                    done.set()

            worker = threading.Thread(target=put)
            worker.start()
            _wait_until_blocked(engine, done)
            officer.commit()
            worker.join(timeout=120)
        amended = result["r"]
        assert amended.status_code == 409, amended.text
        with Session(engine) as s:
            d = s.get(ExportDeclaration, lodged["id"])
            assert d is not None
            assert (d.status, d.lane, d.version, d.consignee_name) == ("held", 3, 1, "AIR KORYO")
            states = s.scalars(select(ExportHit.state).where(ExportHit.declaration_id == d.id)).all()
            assert "true_match" in states
            _, problem, _ = audit.verify(s)
            assert problem is None
            assert service.verify_contents(s) == (1, None)


def test_two_amendments_of_one_version_one_wins(new_database_url: Callable[[], str]) -> None:
    with exporter_server(new_database_url) as (engine, key, client):
        r = client.post(URL, json=body(consignee=LISTED, end_user=None, destination_country="CN"), headers=auth(key))
        assert r.status_code == 201, r.text
        did = r.json()["id"]

        def put(i: int) -> httpx.Response:
            b = body(consignee={**OTHER, "name": f"Maple Leaf Retail {i} Inc."}, end_user=None,
                     destination_country="CN")
            return client.put(f"{URL}/{did}", json=b, headers=auth(key, **{"If-Match": '"1"'}))

        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(put, range(4)))
        codes = sorted(x.status_code for x in responses)
        assert codes == [200, 412, 412, 412], [x.text for x in responses]
        winner = next(x.json() for x in responses if x.status_code == 200)
        with Session(engine) as s:
            d = s.get(ExportDeclaration, did)
            assert d is not None and d.version == 2 and d.consignee_name == winner["consignee"]["name"]
            assert service.verify_contents(s) == (1, None)

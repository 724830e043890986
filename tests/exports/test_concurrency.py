"""Concurrent retries of an export lodgement against a real server: one export per Idempotency-Key, one audit chain."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.audit import service as audit
from smartcustoms.db import make_engine
from smartcustoms.exports.models import ExportDeclaration, ExportHit
from smartcustoms.identity import service as identity
from tests.conftest import shared_data
from tests.exports.helpers import auth, body, line, load_eul
from tests.live import serve

URL = "/api/v1/export-declarations"


def test_parallel_retries_create_one_export(new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())
    migrate.upgrade(engine)
    with Session(engine) as s:
        key = identity.issue_api_key(s, identity.create_trader(s, "Racer Exports", "RACER"))
        load_eul(s, shared_data("watchlists", "meti-end-user-list-2025-09-29.csv"))
        s.commit()
    koryo = {"name": "Air Koryo", "address": "", "country": "CN"}
    with serve(engine) as base, httpx.Client(base_url=base, timeout=120) as client:

        def post(i: int) -> httpx.Response:
            # Six clients retry the same lodgement (a party hit) at once; three others lodge their own.
            idem = "same-key" if i < 6 else f"own-{i}"
            b = body(consignee=koryo, end_user=None, destination_country="CN") if i < 6 else \
                body(line(value=str(100_000 + i)))
            return client.post(URL, json=b, headers=auth(key, **{"Idempotency-Key": idem}))

        with ThreadPoolExecutor(9) as pool:
            responses = list(pool.map(post, range(9)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses[:6]}) == 1
    assert len({r.json()["id"] for r in responses}) == 4
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ExportDeclaration)) == 4
        # The retried export's hits were stored once, not once per racing request.
        winner = responses[0].json()["id"]
        stored = s.scalar(select(func.count()).select_from(ExportHit).where(ExportHit.declaration_id == winner))
        assert stored == len(responses[0].json()["hits"]) > 0
        _, problem, _ = audit.verify(s)
        assert problem is None
    engine.dispose()

"""Concurrent retries against a real server: one declaration per Idempotency-Key, an unbroken audit chain."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcustoms import migrate
from smartcustoms.audit import service as audit
from smartcustoms.db import make_engine
from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.identity import service as identity
from tests.declarations.helpers import auth, body, line
from tests.live import serve

URL = "/api/v1/import-declarations"


def test_parallel_retries_create_one_declaration(new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())
    migrate.upgrade(engine)
    with Session(engine) as s:
        key = identity.issue_api_key(s, identity.create_trader(s, "Racer", "RACER"))
        s.commit()
    with serve(engine) as base, httpx.Client(base_url=base, timeout=60) as client:

        def post(i: int) -> httpx.Response:
            # Eight clients retry the same lodgement at once; four others lodge their own.
            idem = "same-key" if i < 8 else f"own-{i}"
            return client.post(URL, json=body(line(customs_value=str(100_000 + (i if i >= 8 else 0)))),
                               headers=auth(key, **{"Idempotency-Key": idem}))

        with ThreadPoolExecutor(12) as pool:
            responses = list(pool.map(post, range(12)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    same = {r.json()["id"] for r in responses[:8]}
    assert len(same) == 1
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ImportDeclaration)) == 5
        _, problem, _ = audit.verify(s)
        assert problem is None
    engine.dispose()

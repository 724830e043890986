"""Request sessions: a route that only reads gets a session that cannot write, in the tests as in production."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from smartcustoms.deps import ReadSessionDep, SessionDep


def test_a_reading_route_cannot_write_and_a_writing_one_still_can(app: FastAPI) -> None:
    """The suite serves reading routes read-only (tests/conftest.py), so a reading route that writes fails there."""

    @app.post("/test-deps/write")
    def write(session: SessionDep) -> dict[str, int]:
        session.execute(text("UPDATE traders SET name = name WHERE id = -1"))
        return {"ok": 1}

    @app.get("/test-deps/read")
    def read(session: ReadSessionDep) -> dict[str, int]:
        return {"traders": session.execute(text("SELECT count(*) FROM traders")).scalar_one()}

    @app.get("/test-deps/read-then-write")
    def read_then_write(session: ReadSessionDep) -> dict[str, int]:
        session.execute(text("UPDATE traders SET name = name WHERE id = -1"))
        return {"ok": 1}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/test-deps/read").status_code == 200
        assert client.get("/test-deps/read-then-write").status_code == 500  # refused: read-only
        assert client.post("/test-deps/write").json() == {"ok": 1}  # the next writing request may write
        assert client.get("/test-deps/read").status_code == 200

"""Odd input to console forms and queries is refused or ignored, never a server error."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.identity import service as identity
from tests.console.helpers import PASSWORD, decide, login, seed


def test_unicode_digits_do_not_crash(client: TestClient, session: Session, make_trader: Any) -> None:
    s = seed(session, make_trader()[0])
    identity.create_officer(session, "sato", PASSWORD, "supervisor", actor="test")
    assert login(client, "sato").status_code == 303
    assert client.get("/console/queue", params={"page": "²"}).status_code == 200
    r = decide(client, s.lane3.id, action="reroute", lane="²", reason="odd lane")
    assert r.status_code == 422
    r = decide(client, s.lane3.id, action="record_inspection", inspection_result="discrepancy",
               recovered_duty_jpy="²", reason="x-ray")
    assert r.status_code == 422 and "recovered_duty_jpy" in r.text
    r = decide(client, s.lane3.id, action="record_inspection", inspection_result="discrepancy",
               findings="x" * 1001, reason="x-ray")
    assert r.status_code == 422

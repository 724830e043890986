"""The SANDBOX agent on its own: signed refund requests only, ledger kept across restarts, settlement file."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from smartcustoms.payments import protocol
from smartcustoms.payments.sandbox_agent import SETTLEMENT_COLUMNS, SandboxAgent, create_agent_app

SECRET = "agent-unit-secret"


def _agent(tmp_path: Path) -> SandboxAgent:
    # Nothing listens on the platform URL: callbacks fail quietly after one attempt.
    return SandboxAgent("http://127.0.0.1:9", SECRET, ledger=tmp_path / "ledger.jsonl", max_attempts=1,
                        backoff_s=0)


def test_refund_requests_must_be_signed_by_the_platform(tmp_path: Path) -> None:
    agent = _agent(tmp_path)
    client = TestClient(create_agent_app(agent))
    raw = json.dumps({"refund_id": "r1", "order_id": "o1", "transaction_id": "t", "amount_jpy": 500}).encode()
    assert client.post("/api/refunds", content=raw).status_code == 401
    stamp = str(int(time.time()))
    wrong = {protocol.TIMESTAMP_HEADER: stamp, protocol.SIGNATURE_HEADER: protocol.sign("other", stamp, raw)}
    assert client.post("/api/refunds", content=raw, headers=wrong).status_code == 401
    assert agent.transactions == []
    good = {protocol.TIMESTAMP_HEADER: stamp, protocol.SIGNATURE_HEADER: protocol.sign(SECRET, stamp, raw)}
    r = client.post("/api/refunds", content=raw, headers=good)
    assert r.status_code == 202
    assert [(t.type, t.amount_jpy, t.refund_id) for t in agent.transactions] == [("refunded", 500, "r1")]


def test_every_page_says_sandbox_and_unknown_orders_are_not_payable(tmp_path: Path) -> None:
    client = TestClient(create_agent_app(_agent(tmp_path)))
    for path in ("/", "/pay/no-such-order", "/pay/no-such-order?lang=ja"):
        page = client.get(path)
        assert 'id="sandbox-banner"' in page.text and page.headers["x-sandbox"] == "no real money"
    assert "SANDBOX" in client.get("/").text


def test_ledger_survives_restart_and_settlement_file_lists_the_day(tmp_path: Path) -> None:
    agent = _agent(tmp_path)
    agent.settle("o1", "paid", 1_000, wait=True)
    agent.settle("o1", "failed", 0, wait=True)
    agent.settle("o1", "refunded", 300, refund_id="r", wait=True)
    again = _agent(tmp_path)
    assert [t.type for t in again.transactions] == ["paid", "failed", "refunded"]
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date()
    rows = list(csv.DictReader(io.StringIO(again.settlement_csv(today))))
    assert [(r["type"], int(r["amount_jpy"])) for r in rows] == [("paid", 1_000), ("refunded", 300)]
    assert tuple(rows[0]) == SETTLEMENT_COLUMNS
    assert again.settlement_rows(today - timedelta(days=400)) == []


def test_a_refund_request_sent_again_is_refunded_once(tmp_path: Path) -> None:
    agent = _agent(tmp_path)
    client = TestClient(create_agent_app(agent))
    raw = json.dumps({"refund_id": "r1", "order_id": "o1", "transaction_id": "t", "amount_jpy": 500}).encode()
    stamp = str(int(time.time()))
    good = {protocol.TIMESTAMP_HEADER: stamp, protocol.SIGNATURE_HEADER: protocol.sign(SECRET, stamp, raw)}
    first = client.post("/api/refunds", content=raw, headers=good)
    again = client.post("/api/refunds", content=raw, headers=good)
    assert first.status_code == again.status_code == 202
    assert again.json()["transaction_id"] == first.json()["transaction_id"]
    assert [(t.type, t.refund_id) for t in agent.transactions] == [("refunded", "r1")]

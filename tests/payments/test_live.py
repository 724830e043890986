"""Against a real server over HTTP: concurrent duplicate callbacks pay once; the SANDBOX agent end to end."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, func, select

from smartcustoms.audit.models import AuditEntry
from smartcustoms.db import make_engine, unit_of_work
from smartcustoms.payments import agent_client, service
from smartcustoms.payments.models import PaymentEvent, PaymentOrder, RefundRequest
from smartcustoms.payments.sandbox_agent import SandboxAgent, create_agent_app
from tests.live import free_port, serve
from tests.payments.helpers import deliver, event, new_order, signed

SECRET = "live-test-secret"


@pytest.fixture()
def platform(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SMARTCUSTOMS_PAYMENT_AGENT_SECRET", SECRET)
    with serve(engine) as base:
        yield base


def _committed_order(engine: Engine, amount: int = 6_500) -> str:
    with unit_of_work(engine) as s:
        return new_order(s, amount=amount).id


def _reload(engine: Engine, order_id: str) -> tuple[PaymentOrder, int, int]:
    with unit_of_work(engine) as s:
        order = s.get(PaymentOrder, order_id)
        assert order is not None
        n_events = s.scalar(select(func.count()).select_from(PaymentEvent).where(PaymentEvent.order_id == order_id))
        n_applied = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_id == order_id, AuditEntry.action == "payment_order.callback_applied"))
        return order, int(n_events or 0), int(n_applied or 0)


def _post_all(base: str, bodies: list[tuple[bytes, dict[str, str]]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies))

    def send(item: tuple[bytes, dict[str, str]]) -> httpx.Response:
        barrier.wait()
        return httpx.post(f"{base}/api/v1/payments/callbacks", content=item[0], headers=item[1], timeout=60)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_concurrent_duplicate_callbacks_pay_once(platform: str, engine: Engine) -> None:
    order_id = _committed_order(engine)
    item = signed(event(order_id, amount=6_500), secret=SECRET)
    responses = _post_all(platform, [item] * 8)
    assert [r.status_code for r in responses] == [200] * 8
    assert sum(1 for r in responses if r.json()["duplicate"] is False) == 1
    order, n_events, n_applied = _reload(engine, order_id)
    assert order.status == "paid" and n_events == 1 and n_applied == 1


def test_concurrent_distinct_payments_of_one_order_book_one(platform: str, engine: Engine) -> None:
    order_id = _committed_order(engine)
    items = [signed(event(order_id, amount=6_500), secret=SECRET) for _ in range(6)]
    responses = _post_all(platform, items)
    outcomes = sorted(r.json()["outcome"] for r in responses)
    assert outcomes == ["applied"] + ["discrepancy"] * 5  # the others are double payments, for refund
    order, n_events, n_applied = _reload(engine, order_id)
    assert order.status == "paid" and n_events == 6 and n_applied == 1


def test_one_agent_transaction_sent_for_several_orders_at_once_pays_one(platform: str, engine: Engine) -> None:
    orders = [_committed_order(engine) for _ in range(4)]
    items = [signed(event(o, amount=6_500, transaction_id="TX-RACE-1"), secret=SECRET) for o in orders]
    responses = _post_all(platform, items)
    assert sorted(r.json()["outcome"] for r in responses) == ["applied"] + ["discrepancy"] * 3
    statuses = sorted(_reload(engine, o)[0].status for o in orders)
    assert statuses == ["open", "open", "open", "paid"]


def test_a_second_order_paid_by_the_same_transaction_waits_for_the_first_to_commit(engine: Engine) -> None:
    """Two sessions interleaved by hand: the second order's callback is processed while the first is still
    uncommitted; it must wait for the first and then see that the transaction already paid an order."""
    first, second = _committed_order(engine), _committed_order(engine)
    outcome: dict[str, Any] = {}

    def pay_second() -> None:
        with unit_of_work(engine) as s2:
            outcome.update(deliver(s2, event(second, amount=6_500, transaction_id="TX-INTERLEAVED")))

    with unit_of_work(engine) as s1:
        assert deliver(s1, event(first, amount=6_500, transaction_id="TX-INTERLEAVED"))["outcome"] == "applied"
        thread = threading.Thread(target=pay_second)
        thread.start()
        thread.join(1.5)  # without serialisation it would finish here, before the first commits
    thread.join(60)
    assert outcome["outcome"] == "discrepancy" and first in outcome["detail"]
    assert (_reload(engine, first)[0].status, _reload(engine, second)[0].status) == ("paid", "open")


@contextmanager
def _agent(platform_url: str, **kw: Any) -> Iterator[tuple[str, SandboxAgent]]:
    agent = SandboxAgent(platform_url, SECRET, backoff_s=0.05, **kw)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_agent_app(agent), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield base, agent
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _wait(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_sandbox_agent_pays_refunds_and_its_settlement_file_reconciles(
    platform: str, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _agent(platform, duplicates=True) as (agent_url, agent):
        monkeypatch.setenv("SMARTCUSTOMS_PAYMENT_AGENT_URL", agent_url)
        from smartcustoms.payments.config import get_payment_settings

        get_payment_settings.cache_clear()
        order_id = _committed_order(engine, 8_800)
        page = httpx.get(f"{agent_url}/pay/{order_id}")
        assert "SANDBOX" in page.text and "8,800" in page.text
        assert "サンドボックス" in httpx.get(f"{agent_url}/pay/{order_id}?lang=ja").text
        done = httpx.post(f"{agent_url}/pay/{order_id}", data={"action": "pay"})
        assert done.status_code == 200 and "SANDBOX" in done.text
        _wait(lambda: _reload(engine, order_id)[0].status == "paid")
        _wait(lambda: all(t.delivered for t in agent.transactions))
        order, n_events, n_applied = _reload(engine, order_id)
        assert n_applied == 1 and n_events == 1  # sent twice on purpose, booked once
        with unit_of_work(engine) as s:
            refund = service.request_refund(s, order_id, amount_jpy=800, actor="officer:test", reason="overpaid",
                                                role="supervisor")
            message = service.refund_message(refund, service.get_order(s, order_id))
        assert agent_client.send_refund(message) is None
        _wait(lambda: _reload(engine, order_id)[0].refunded_amount_jpy == 800)
        today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date()
        settlement = httpx.get(f"{agent_url}/settlements/{today.isoformat()}.csv").text
        with unit_of_work(engine) as s:
            report = service.reconcile_day(s, today, settlement, actor="test").report
        mine = [r for r in report["matched"] if r["order_id"] == order_id]
        assert sorted((r["type"], r["amount_jpy"]) for r in mine) == [("paid", 8_800), ("refunded", 800)]
        assert not [r for r in report["amount_differences"] + report["missing_at_platform"]
                    if r["order_id"] == order_id]


def _locked_out(engine: Engine, order_id: str) -> str | None:
    """Try, meanwhile, what a busy platform does: take a connection of the platform's own pool (SQLite keeps one
    per process), then, on a connection of its own, the write lock (SQLite) or the order's row and the audit head
    (PostgreSQL), waiting at most a moment. None when it could; else what stopped it."""
    got = threading.Event()

    def checkout() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            got.set()

    threading.Thread(target=checkout, daemon=True).start()
    if not got.wait(3.0):
        return "the platform's connection is held"
    other = make_engine(engine.url.render_as_string(hide_password=False))
    raw = other.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("PRAGMA busy_timeout = 200")
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute("SET lock_timeout = '200ms'")
            cur.execute("SELECT id FROM payment_orders WHERE id = %s FOR UPDATE", (order_id,))
            cur.execute("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE")
        return None
    except Exception as exc:  # sqlite3 "database is locked", psycopg LockNotAvailable
        return str(exc)
    finally:
        raw.rollback()
        raw.close()
        other.dispose()


def test_nothing_is_locked_while_the_agent_answers_a_refund_request(
    platform: str, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow agent (up to its 5-second timeout) must not stall every other write of the platform: the request is
    sent with no transaction open, through the API, the console's resend and `payments send-refunds`."""
    order_id = _committed_order(engine, 4_000)
    with unit_of_work(engine) as s:
        deliver(s, event(order_id, amount=4_000))
    seen: list[str | None] = []
    answer = {"status": 503}

    def agent_post(url: str, secret: str, body: dict[str, Any], timeout: float = 5.0) -> httpx.Response:
        seen.append(_locked_out(engine, body["order_id"]))
        return httpx.Response(answer["status"], text="busy" if answer["status"] >= 300 else "{}")

    monkeypatch.setattr(agent_client, "signed_post", agent_post)
    from smartcustoms.identity import service as identity

    with unit_of_work(engine) as s:
        identity.create_officer(s, "kanda", "kanda-pass-2026", "supervisor", actor="test")
    auth = ("kanda", "kanda-pass-2026")
    # The API: the agent is busy, so the request stays `requested`.
    r = httpx.post(f"{platform}/api/v1/officer/payment-orders/{order_id}/refunds", auth=auth, timeout=30,
                   json={"reason": "overpaid", "amount_jpy": 1_000})
    assert r.status_code == 202 and r.json()["status"] == "requested", r.text
    refund_id = r.json()["refund_id"]
    # The console: a second request (agent busy), then its resend (the agent accepts).
    from tests.console.helpers import csrf_of, login

    with httpx.Client(base_url=platform, timeout=30) as console:
        assert login(console, "kanda", "kanda-pass-2026").status_code == 303
        page = console.get(f"/console/payments/orders/{order_id}?lang=en").text
        r = console.post(f"/console/payments/orders/{order_id}/refund",
                         data={"csrf_token": csrf_of(page), "reason": "overpaid", "amount_jpy": "500"})
        assert r.status_code == 303 and r.headers["location"].endswith("done=refund_unsent"), r.text
        with unit_of_work(engine) as s:
            second = s.scalars(select(RefundRequest.id).where(RefundRequest.order_id == order_id,
                                                              RefundRequest.amount_jpy == 500)).one()
        answer["status"] = 200
        page = console.get(f"/console/payments/orders/{order_id}?lang=en").text
        r = console.post(f"/console/payments/orders/{order_id}/resend-refund",
                         data={"csrf_token": csrf_of(page), "refund_id": second})
        assert r.status_code == 303 and r.headers["location"].endswith("done=refund"), r.text
    # The CLI's send-refunds, the agent busy again, then accepting.
    answer["status"] = 503
    with unit_of_work(engine) as s:
        assert agent_client.send_pending_refunds(s, "cli") == [(refund_id, "agent answered 503: busy")]
    answer["status"] = 200
    with unit_of_work(engine) as s:
        assert agent_client.send_pending_refunds(s, "cli") == [(refund_id, None)]
    with unit_of_work(engine) as s:
        assert {s.get(RefundRequest, x).status for x in (refund_id, second)} == {"sent"}
    assert seen == [None] * 5, seen

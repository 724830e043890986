"""Hostile and malformed input on every payment endpoint: 4xx naming the field, never a 500, nothing written."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartcustoms.audit.models import AuditEntry
from smartcustoms.cli import app as cli_app
from smartcustoms.errors import Conflict, ValidationFailed
from smartcustoms.identity import service as identity
from smartcustoms.payments import protocol, reconcile, service
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentEvent, RefundRequest
from tests.console.helpers import PASSWORD, csrf_of, login
from tests.payments.helpers import deliver, event, new_order, signed
from tests.payments.test_reconcile import AT, DAY, _csv

CALLBACKS = "/api/v1/payments/callbacks"
ORDERS = "/api/v1/officer/payment-orders"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _sign_raw(raw: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    return {protocol.TIMESTAMP_HEADER: ts,
            protocol.SIGNATURE_HEADER: protocol.sign(get_payment_settings().payment_agent_secret, ts, raw)}


def test_deeply_nested_signed_body_is_422(client: TestClient, session: Session) -> None:
    raw = b"[" * 30_000 + b"]" * 30_000  # RecursionError in the JSON parser was a 500
    r = client.post(CALLBACKS, content=raw, headers=_sign_raw(raw))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


def test_oversized_callback_is_413_before_anything(client: TestClient, session: Session) -> None:
    order = new_order(session)
    body = event(order.id, padding="x" * 100_000)
    raw, headers = signed(body)
    before = _count(session, PaymentEvent)
    r = client.post(CALLBACKS, content=raw, headers=headers)
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "body"
    assert _count(session, PaymentEvent) == before and order.status == "open"


@pytest.mark.parametrize("settled_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                        "1970-01-01T00:00:00+00:00", "2026-01-01T00:00:00\u0000+00:00"])
def test_settled_at_out_of_range_is_422(client: TestClient, session: Session, settled_at: str) -> None:
    order = new_order(session)
    raw, headers = signed(event(order.id, settled_at=settled_at))  # the first two overflowed to UTC: 500
    r = client.post(CALLBACKS, content=raw, headers=headers)
    assert r.status_code == 422, r.text
    assert "settled_at" in [e["field"] for e in r.json()["errors"]]
    assert order.status == "open"


def _officer(session: Session, role: str = "supervisor") -> dict[str, str]:
    import base64

    identity.create_officer(session, "ueda", "counter-pass-2026", role, actor="test")
    return {"Authorization": "Basic " + base64.b64encode(b"ueda:counter-pass-2026").decode()}


@pytest.mark.parametrize("reason", ["a\u0000b", "\u0007bell", "zero\u200bwidth-is-format"])
def test_control_characters_in_reasons_are_422_and_write_nothing(client: TestClient, session: Session,
                                                                  reason: str) -> None:
    auth = _officer(session)
    paid, opened = new_order(session, 4_000), new_order(session, 4_000)
    deliver(session, event(paid.id, amount=4_000))
    session.commit()
    audits, refunds = _count(session, AuditEntry), _count(session, RefundRequest)
    r = client.post(f"{ORDERS}/{paid.id}/refunds", json={"reason": reason}, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"  # NUL was a 500 on PostgreSQL
    r = client.post(f"{ORDERS}/{opened.id}/cancel", json={"reason": reason}, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    assert (_count(session, AuditEntry), _count(session, RefundRequest)) == (audits, refunds)
    session.refresh(opened)
    assert opened.status == "open"
    ok = client.post(f"{ORDERS}/{opened.id}/cancel", json={"reason": "line one\nline two\tend"}, headers=auth)
    assert ok.status_code == 200


@pytest.mark.parametrize("order_id", ["%00", "a%00b", "nope", "x" * 300, str(uuid.uuid4()).upper() + "x"])
def test_ids_that_are_not_order_ids_are_404(client: TestClient, session: Session, order_id: str) -> None:
    auth = _officer(session)
    session.commit()
    assert client.get(f"{ORDERS}/{order_id}", headers=auth).status_code == 404  # NUL was a 500 on PostgreSQL
    assert client.get(f"/api/v1/payments/orders/{order_id}/pay-view").status_code == 404
    r = client.post(f"{ORDERS}/{order_id}/cancel", json={"reason": "x"}, headers=auth)
    assert r.status_code == 404


def test_console_ids_out_of_range_are_404(client: TestClient, session: Session) -> None:
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    session.commit()
    assert login(client).status_code == 303
    # an int path parameter past the integer column was an OverflowError (500)
    assert client.get("/console/payments/reconciliation/99999999999999999999.csv").status_code == 404
    assert client.get("/console/payments/reconciliation/-1.csv").status_code == 404
    assert client.get("/console/payments/orders/%00").status_code == 404


def test_console_cancel_needs_csrf_and_refuses_nul(client: TestClient, session: Session) -> None:
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    order = new_order(session)
    session.commit()
    assert login(client).status_code == 303
    url = f"/console/payments/orders/{order.id}"
    assert client.post(f"{url}/cancel", data={"reason": "no token"}).status_code == 403
    token = csrf_of(client.get(url).text)
    r = client.post(f"{url}/cancel", data={"reason": "x\u0000y", "csrf_token": token})
    assert r.status_code == 422
    session.refresh(order)
    assert order.status == "open"


def test_idempotency_key_with_another_payer_is_409(session: Session) -> None:
    first = new_order(session, 5_000, reference="R-1", idempotency_key="k-1")
    assert new_order(session, 5_000, reference="R-1", idempotency_key="k-1").id == first.id
    with pytest.raises(Conflict):
        service.create_order(session, kind="passenger", reference="R-1", amount_jpy=5_000, due_date=first.due_date,
                             payer_name="Someone Else", actor="test", idempotency_key="k-1")


# --- reconciliation -----------------------------------------------------------------------------------------------


def test_settlement_rows_of_another_day_are_refused(session: Session) -> None:
    other_day = "2026-03-01T14:59:59+00:00"  # 23:59:59 JST on 1 March, the day before DAY
    with pytest.raises(ValidationFailed) as exc:
        service.reconcile_day(session, DAY, _csv([("T-1", "o", "paid", 5, AT), ("T-2", "o", "paid", 5, other_day)]),
                              actor="test")
    assert [e.field for e in exc.value.errors] == ["settlements[line 3].settled_at"]
    assert exc.value.errors[0].code == "wrong_day"
    # 15:00 UTC on 1 March is 00:00 JST on 2 March: inside DAY
    assert reconcile.parse_settlements(_csv([("T-3", "o", "paid", 5, "2026-03-01T15:00:00+00:00")]), DAY)


def test_settlement_in_another_currency_is_refused() -> None:
    text = "transaction_id,order_id,type,amount_jpy,settled_at,currency\n" \
           f"T-1,o,paid,5,{AT},JPY\nT-2,o,paid,5,{AT},USD\n"
    with pytest.raises(ValidationFailed) as exc:
        reconcile.parse_settlements(text, DAY)
    assert [e.field for e in exc.value.errors] == ["settlements[line 3].currency"]


def test_settlement_file_with_bom_and_crlf_is_read() -> None:
    text = "\ufeff" + _csv([("T-1", "o", "paid", 5, AT)]).replace("\n", "\r\n")
    [row] = reconcile.parse_settlements(text, DAY)
    assert (row.transaction_id, row.amount_jpy) == ("T-1", 5)


@pytest.mark.parametrize("bad", ["T\u0000X", "=1+1\u0007"])
def test_settlement_ids_with_control_characters_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        reconcile.parse_settlements(_csv([(bad, "o", "paid", 5, AT)]), DAY)
    assert exc.value.errors[0].field == "settlements[line 2].transaction_id"


FORMULAS = ("=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)")


def test_report_csv_neutralises_formulas(client: TestClient, session: Session) -> None:
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    session.commit()
    assert login(client).status_code == 303
    text = _csv([(f, f, "paid", 5, AT) for f in FORMULAS])
    page = client.get("/console/payments/reconciliation")
    r = client.post("/console/payments/reconciliation", data={"day": DAY.isoformat(), "csrf_token":
                                                               csrf_of(page.text)},
                    files={"settlements": ("s.csv", text.encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    run_id = r.headers["location"].rsplit("=", 1)[1]
    out = client.get(f"/console/payments/reconciliation/{run_id}.csv")
    rows = list(csv.DictReader(io.StringIO(out.text.lstrip("\ufeff"))))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        assert row["transaction_id"][:1] == "'" and row["transaction_id"][1:] in FORMULAS
        assert row["order_id"][:1] == "'"
        assert row["difference_jpy"] == "5"  # numbers stay numbers


def test_cli_report_survives_markup_and_neutralises_formulas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             new_database_url: object) -> None:
    from smartcustoms import migrate
    from smartcustoms.db import make_engine

    url = new_database_url()  # type: ignore[operator]
    monkeypatch.setenv("SMARTCUSTOMS_DATABASE_URL", url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    settle = tmp_path / "settle.csv"
    settle.write_text(_csv([("[/bold]", "[red]x", "paid", 5, AT), ("=cmd|' /C calc'!A0", "o", "paid", 6, AT)]),
                      encoding="utf-8")
    out = tmp_path / "report.csv"
    runner = CliRunner()
    r = runner.invoke(cli_app, ["payments", "reconcile", "--date", DAY.isoformat(), "--settlements", str(settle),
                                "--out", str(out)])
    assert r.exit_code == 1, r.output  # unbalanced, not a rich MarkupError
    assert "[/bold]" in r.output
    ids = [row["transaction_id"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert sorted(ids) == sorted(["[/bold]", "'=cmd|' /C calc'!A0"])
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes(_csv([("T-1", "注文", "paid", 5, AT)]).encode("shift_jis"))
    r = runner.invoke(cli_app, ["payments", "reconcile", "--date", DAY.isoformat(), "--settlements", str(sjis)])
    assert r.exit_code == 2 and "UTF-8" in r.output


def test_bad_callback_json_types_are_422(client: TestClient, session: Session) -> None:
    order = new_order(session)
    for change in ({"amount_jpy": 10**30}, {"amount_jpy": 1.0}, {"amount_jpy": True}, {"order_id": ["x"]},
                   {"event_id": "e\u0000"}, {"transaction_id": "t" * 101}, {"settled_at": 5}):
        raw = json.dumps({**event(order.id), **change}).encode()
        r = client.post(CALLBACKS, content=raw, headers=_sign_raw(raw))
        assert r.status_code == 422, (change, r.text)
        assert next(iter(change)) in [e["field"] for e in r.json()["errors"]]
    assert order.status == "open"


@pytest.mark.parametrize("refund_id", ["%00", "a%00b", "nope", "x" * 300])
def test_refund_ids_that_are_not_refund_ids_are_404_not_500(client: TestClient, session: Session,
                                                            refund_id: str) -> None:
    auth = _officer(session)
    paid = new_order(session, 5_000)
    deliver(session, event(paid.id, amount=5_000))
    session.commit()
    r = client.post(f"{ORDERS}/{paid.id}/refunds/{refund_id}/withdraw", json={"reason": "x"}, headers=auth)
    assert r.status_code == 404  # NUL was a 500 on PostgreSQL


def test_console_refund_buttons_refuse_nul_refund_ids(client: TestClient, session: Session) -> None:
    identity.create_officer(session, "obata", PASSWORD, "supervisor", actor="test")
    paid = new_order(session, 5_000)
    deliver(session, event(paid.id, amount=5_000))
    session.commit()
    assert login(client).status_code == 303
    url = f"/console/payments/orders/{paid.id}"
    for action in ("withdraw-refund", "resend-refund"):
        token = csrf_of(client.get(url).text)
        r = client.post(f"{url}/{action}", data={"reason": "x", "refund_id": "a\u0000b", "csrf_token": token})
        assert r.status_code in (404, 409), (action, r.status_code)

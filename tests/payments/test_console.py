"""Officer console pages for payments, reconciliation and means-of-payment declarations; the public filing page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcustoms.identity import service as identity
from smartcustoms.payments import i18n as pi18n
from smartcustoms.payments import reconcile
from smartcustoms.payments.models import RefundRequest
from tests.console.helpers import PASSWORD, csrf_of, login
from tests.payments.helpers import deliver, event, new_order

AT = "2026-03-02T03:00:00+00:00"


@pytest.fixture()
def officer(client: TestClient, session: Session) -> TestClient:
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    session.commit()
    assert login(client).status_code == 303
    return client


@pytest.fixture()
def supervisor(client: TestClient, session: Session) -> TestClient:
    identity.create_officer(session, "shimizu", PASSWORD, "supervisor", actor="test")
    session.commit()
    assert login(client, "shimizu").status_code == 303
    return client


def test_pages_need_login(client: TestClient) -> None:
    for path in ("/console/payments", "/console/payments/reconciliation", "/console/means-of-payment"):
        assert client.get(path, follow_redirects=False).status_code == 303


def test_orders_page_lists_orders_with_chart_in_both_languages(officer: TestClient, session: Session) -> None:
    order = new_order(session, amount=4_321)
    bad = new_order(session, amount=1_000)
    deliver(session, event(bad.id, amount=999))
    en = officer.get("/console/payments?lang=en").text
    assert f'data-id="{order.id}"' in en and "¥4,321" in en and "<svg" in en
    assert 'id="discrepancies"' in en and bad.id[:8] in en
    ja = officer.get("/console/payments?lang=ja").text
    assert pi18n.JA["pay.orders"] in ja and pi18n.JA["pay.status.open"] in ja
    assert officer.get("/console/payments?status=bogus").status_code == 422


def test_every_label_has_both_languages() -> None:
    assert set(pi18n.EN) == set(pi18n.JA)


def test_cancel_and_refund_through_the_console(supervisor: TestClient, session: Session) -> None:
    officer = supervisor
    order = new_order(session, amount=3_000)
    session.commit()
    page = officer.get(f"/console/payments/orders/{order.id}").text
    assert 'id="form-cancel"' in page and 'id="form-refund"' not in page
    r = officer.post(f"/console/payments/orders/{order.id}/cancel", data={"csrf_token": csrf_of(page), "reason": ""})
    assert r.status_code == 422 and 'id="order-error"' in r.text and order.status == "open"
    r = officer.post(f"/console/payments/orders/{order.id}/cancel",
                     data={"csrf_token": csrf_of(page), "reason": "traveller paid cash at the counter"},
                     follow_redirects=False)
    assert r.status_code == 303 and order.status == "cancelled"
    paid = new_order(session, amount=3_000)
    deliver(session, event(paid.id, amount=3_000))
    session.commit()
    page = officer.get(f"/console/payments/orders/{paid.id}").text
    assert 'id="form-refund"' in page and 'id="form-cancel"' not in page
    r = officer.post(f"/console/payments/orders/{paid.id}/refund",
                     data={"csrf_token": csrf_of(page), "reason": "r", "amount_jpy": "3,001"})
    assert r.status_code == 422
    r = officer.post(f"/console/payments/orders/{paid.id}/refund",
                     data={"csrf_token": csrf_of(page), "reason": "overcharged", "amount_jpy": "500"},
                     follow_redirects=False)
    assert r.status_code == 303
    [refund] = session.query(RefundRequest).filter_by(order_id=paid.id).all()
    assert refund.amount_jpy == 500
    assert officer.post(f"/console/payments/orders/{paid.id}/refund", data={"reason": "x"}).status_code == 403


def test_reconciliation_upload_report_and_csv(officer: TestClient, session: Session) -> None:
    order = new_order(session, amount=2_000)
    deliver(session, event(order.id, amount=2_000, transaction_id="T-C1", settled_at=AT))
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(reconcile.COLUMNS)
    w.writerow(["T-C1", order.id, "paid", 2_000, AT])
    w.writerow(["T-C2", "unknown", "paid", 900, AT])
    page = officer.get("/console/payments/reconciliation").text
    r = officer.post("/console/payments/reconciliation", data={"csrf_token": csrf_of(page), "day": "2026-03-02"},
                     files={"settlements": ("s.csv", out.getvalue().encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303
    report = officer.get(r.headers["location"] + "&lang=en").text
    assert 'data-balanced="false"' in report and "T-C2" in report and "<svg" in report
    link = re.search(r'href="(/console/payments/reconciliation/\d+\.csv)"', report)
    assert link
    rows = list(csv.DictReader(io.StringIO(officer.get(link.group(1)).content.decode("utf-8-sig"))))
    assert {(x["section"], x["transaction_id"]) for x in rows} >= {("matched", "T-C1"), ("missing_at_platform", "T-C2")}
    bad = officer.post("/console/payments/reconciliation", data={"csrf_token": csrf_of(page), "day": "2026-03-02"},
                       files={"settlements": ("s.csv", b"nonsense\n", "text/csv")})
    assert bad.status_code == 422 and 'id="rec-error"' in bad.text


def test_the_reconciliation_form_offers_yesterday_in_japan(officer: TestClient,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # 16:00 UTC on the 24th is 01:00 JST on the 25th: yesterday in Japan is the 24th (the UTC date's yesterday, the
    # 23rd, was offered before).
    monkeypatch.setattr("smartcustoms.payments.console.utcnow", lambda: datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    page = officer.get("/console/payments/reconciliation").text
    assert 'name="day" value="2026-11-24"' in page


def test_means_of_payment_console_shows_flags(officer: TestClient) -> None:
    body = {"family_name": "Lee", "given_name": "Min", "nationality": "KR", "passport_number": "M12345678",
            "date_of_birth": "1980-01-01", "direction": "arrival", "flight": "KE701", "origin_country": "IR",
            "destination_country": "JP", "items": [{"kind": "cash", "currency": "JPY", "amount": "950000"}]}
    officer.post("/api/v1/means-of-payment-declarations", json=body)
    officer.post("/api/v1/means-of-payment-declarations", json=body)
    page = officer.get("/console/means-of-payment?flagged=1&lang=en").text
    flags = re.findall(r'data-flags="([^"]*)"', page)
    assert any("structuring" in f and "route_risk" in f for f in flags)
    assert pi18n.EN["mop.flag.structuring"] in page


def test_public_filing_page_in_both_languages(client: TestClient) -> None:
    assert pi18n.JA["file.title"] in client.get("/means-of-payment?lang=ja").text
    form = {"lang": "en", "family_name": "Tanaka", "given_name": "Ichiro", "nationality": "JP",
            "passport_number": "TZ0000001", "date_of_birth": "1970-05-05", "direction": "departure",
            "travel_date": date.today().isoformat(), "flight": "JL5", "origin_country": "JP",
            "destination_country": "US", "items-0-kind": "cash", "items-0-currency": "JPY",
            "items-0-amount": "1,500,000"}
    r = client.post("/means-of-payment", data=form)
    assert r.status_code == 201 and 'data-required="true"' in r.text and "¥1,500,000" in r.text
    bad = client.post("/means-of-payment", data={**form, "items-0-currency": "ZZZ"})
    assert bad.status_code == 422 and 'data-field="items[0].currency"' in bad.text
    assert 'value="Tanaka"' in bad.text  # the form keeps what was typed


def test_means_of_payment_console_in_japanese_marks_unverified_routes_in_japanese(officer: TestClient) -> None:
    body = {"family_name": "Lee", "given_name": "Min", "nationality": "KR", "passport_number": "M22345678",
            "date_of_birth": "1980-01-01", "direction": "arrival", "flight": "KE701", "origin_country": "MM",
            "destination_country": "JP", "items": [{"kind": "cash", "currency": "JPY", "amount": "50000"}]}
    assert officer.post("/api/v1/means-of-payment-declarations", json=body).status_code == 201
    page = officer.get("/console/means-of-payment?flagged=1&lang=ja").text
    assert pi18n.JA["mop.flag.route_risk"] in page and pi18n.JA["mop.unverified"] in page
    assert "(unverified)" not in page


def test_an_officer_sees_no_refund_form_and_a_supervisor_withdraws_an_unsent_request(
        client: TestClient, session: Session) -> None:
    identity.create_officer(session, "obata", PASSWORD, "officer", actor="test")
    identity.create_officer(session, "shimizu", PASSWORD, "supervisor", actor="test")
    paid = new_order(session, amount=3_000)
    deliver(session, event(paid.id, amount=3_000))
    session.commit()
    assert login(client).status_code == 303
    page = client.get(f"/console/payments/orders/{paid.id}?lang=en").text
    assert 'id="form-refund"' not in page and 'id="refund-supervisor-only"' in page
    r = client.post(f"/console/payments/orders/{paid.id}/refund",
                    data={"csrf_token": csrf_of(page), "reason": "overpaid"})
    assert r.status_code == 403 and session.query(RefundRequest).filter_by(order_id=paid.id).count() == 0
    client.cookies.clear()
    assert login(client, "shimizu").status_code == 303
    page = client.get(f"/console/payments/orders/{paid.id}?lang=en").text
    r = client.post(f"/console/payments/orders/{paid.id}/refund",
                    data={"csrf_token": csrf_of(page), "reason": "overpaid", "amount_jpy": "1000"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=refund_unsent")  # no agent listens
    [refund] = session.query(RefundRequest).filter_by(order_id=paid.id).all()
    page = client.get(f"/console/payments/orders/{paid.id}?lang=ja").text
    assert f'id="form-withdraw-{refund.id[:8]}"' in page and pi18n.JA["pay.refund_status.requested"] in page
    r = client.post(f"/console/payments/orders/{paid.id}/withdraw-refund",
                    data={"csrf_token": csrf_of(page), "refund_id": refund.id, "reason": "paid back in cash"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=withdrawn")
    session.refresh(refund)
    assert refund.status == "withdrawn"
    page = client.get(f"/console/payments/orders/{paid.id}?lang=en").text
    assert f'id="form-withdraw-{refund.id[:8]}"' not in page and 'data-refund-status="withdrawn"' in page

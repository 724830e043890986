"""Payment orders and callbacks through the service: the interface other domains call."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.audit import service as audit
from smartcustoms.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from smartcustoms.payments import service
from smartcustoms.payments.models import PaymentEvent, PaymentOrder
from tests.payments.helpers import deliver, event, new_order


def test_create_order_is_open_with_pay_url_and_audited(session: Session) -> None:
    order = new_order(session, amount=5_000, reference="PD-1")
    assert order.status == "open" and order.amount_jpy == 5_000 and order.id
    assert order.pay_url.endswith(f"/pay/{order.id}")
    assert [e.action for e in audit.history(session, "payment_order", order.id)] == ["payment_order.created"]


def test_idempotency_key_returns_the_first_order(session: Session) -> None:
    first = new_order(session, reference="PD-2", idempotency_key="k-1")
    again = new_order(session, reference="PD-2", idempotency_key="k-1")
    assert again.id == first.id
    assert len(session.scalars(select(PaymentOrder).where(PaymentOrder.reference == "PD-2")).all()) == 1
    with pytest.raises(Conflict):
        new_order(session, reference="PD-other", idempotency_key="k-1")


@pytest.mark.parametrize(("field", "kw"), [
    ("amount_jpy", {"amount": 0}), ("amount_jpy", {"amount": -5}), ("kind", {"kind": "cargo"}),
    ("reference", {"reference": "x" * 101}),
])
def test_bad_order_input_names_the_field(session: Session, field: str, kw: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        new_order(session, **kw)  # type: ignore[arg-type]
    assert field in [e.field for e in exc.value.errors]


def test_on_paid_handler_runs_once_in_the_paying_transaction(session: Session) -> None:
    calls: list[str] = []

    def handler(s: Session, order: PaymentOrder) -> None:
        assert s is session
        calls.append(order.id)

    service.on_paid("passenger", handler)
    try:
        order = new_order(session)
        body = event(order.id)
        assert deliver(session, body)["outcome"] == "applied"
        assert deliver(session, body)["duplicate"] is True
        deliver(session, event(order.id, transaction_id=order.agent_transaction_id))  # re-sent under a new id
        assert calls == [order.id]
        assert order.status == "paid" and order.paid_amount_jpy == 12_300
    finally:
        service._handlers["passenger"].remove(handler)


def test_wrong_amount_is_a_discrepancy_not_a_payment(session: Session) -> None:
    order = new_order(session, amount=10_000)
    result = deliver(session, event(order.id, amount=9_999))
    assert result["outcome"] == "discrepancy"
    assert order.status == "open"
    assert service.discrepancies(session)[0].event_id == result["event_id"]


def test_bad_signature_changes_nothing(session: Session) -> None:
    order = new_order(session)
    before = session.scalar(select(PaymentEvent).where(PaymentEvent.order_id == order.id))
    with pytest.raises(Unauthorized):
        deliver(session, event(order.id), secret="not-the-secret")
    with pytest.raises(Unauthorized):
        deliver(session, event(order.id), ts=1_000_000)  # far outside the replay window
    assert before is None and order.status == "open"
    assert session.scalar(select(PaymentEvent).where(PaymentEvent.order_id == order.id)) is None


def test_refund_before_paid_is_parked_then_applied(session: Session) -> None:
    order = new_order(session, amount=8_000)
    assert deliver(session, event(order.id, "refunded", 3_000))["outcome"] == "parked"
    assert order.status == "open"
    deliver(session, event(order.id, "paid", 8_000))
    assert order.status == "paid" and order.refunded_amount_jpy == 3_000
    deliver(session, event(order.id, "refunded", 5_000))
    assert order.status == "refunded" and order.refunded_amount_jpy == 8_000


def test_cancel_open_only_and_refund_paid_only(session: Session) -> None:
    order = new_order(session)
    with pytest.raises(Conflict):
        service.request_refund(session, order.id, amount_jpy=None, actor="officer:a", reason="no",
                               role="supervisor")
    service.cancel_order(session, order.id, actor="officer:a", reason="traveller left")
    assert order.status == "cancelled"
    with pytest.raises(Conflict):
        service.cancel_order(session, order.id, actor="officer:a", reason="again")
    assert deliver(session, event(order.id))["outcome"] == "discrepancy"  # paid after cancellation
    paid = new_order(session)
    deliver(session, event(paid.id))
    refund = service.request_refund(session, paid.id, amount_jpy=300, actor="officer:a", reason="overcharged",
                                    role="supervisor")
    with pytest.raises(ValidationFailed):
        service.request_refund(session, paid.id, amount_jpy=12_001, actor="officer:a", reason="too much",
                               role="supervisor")
    deliver(session, event(paid.id, "refunded", 300, refund_id=refund.id))
    assert refund.status == "settled" and paid.status == "paid" and paid.refunded_amount_jpy == 300


def test_unknown_order_is_recorded(session: Session) -> None:
    assert deliver(session, event("no-such-order"))["outcome"] == "unknown_order"


def test_due_date_must_be_a_date(session: Session) -> None:
    with pytest.raises(ValidationFailed):
        service.create_order(session, kind="import", reference="r", amount_jpy=1, due_date="2026-01-01",  # type: ignore[arg-type]
                             payer_name="p", actor="a")
    assert service.create_order(session, kind="import", reference="r", amount_jpy=1, due_date=date(2026, 1, 1),
                                payer_name="p", actor="a").status == "open"


def test_one_agent_transaction_cannot_pay_two_orders(session: Session) -> None:
    first, second = new_order(session, 2_000), new_order(session, 2_000)
    assert deliver(session, event(first.id, amount=2_000, transaction_id="TX-SAME"))["outcome"] == "applied"
    out = deliver(session, event(second.id, amount=2_000, transaction_id="TX-SAME"))
    assert out["outcome"] == "discrepancy" and first.id in out["detail"]
    assert (first.status, second.status) == ("paid", "open")


def test_refund_larger_than_paid_and_refund_of_cancelled_order_book_nothing(session: Session) -> None:
    paid, cancelled = new_order(session, 1_000), new_order(session, 1_000)
    deliver(session, event(paid.id, amount=1_000))
    assert deliver(session, event(paid.id, "refunded", 1_001))["outcome"] == "discrepancy"
    assert deliver(session, event(paid.id, "refunded", 600))["outcome"] == "applied"
    assert deliver(session, event(paid.id, "refunded", 401))["outcome"] == "discrepancy"  # only 400 left
    assert (paid.status, paid.refunded_amount_jpy) == ("paid", 600)
    service.cancel_order(session, cancelled.id, actor="officer:test", reason="issued twice")
    assert deliver(session, event(cancelled.id, "refunded", 1_000))["outcome"] == "discrepancy"
    assert (cancelled.status, cancelled.refunded_amount_jpy) == ("cancelled", 0)


def test_refunds_need_a_supervisor_and_a_request_not_accepted_can_be_withdrawn(session: Session) -> None:
    paid = new_order(session, 5_000)
    deliver(session, event(paid.id, amount=5_000))
    with pytest.raises(Forbidden):
        service.request_refund(session, paid.id, amount_jpy=100, actor="officer:a", reason="x", role="officer")
    first = service.request_refund(session, paid.id, amount_jpy=5_000, actor="officer:s", reason="overpaid",
                                   role="supervisor")
    with pytest.raises(Conflict):  # everything is already asked for
        service.request_refund(session, paid.id, amount_jpy=1, actor="officer:s", reason="again", role="admin")
    with pytest.raises(Forbidden):
        service.withdraw_refund(session, paid.id, first.id, actor="officer:a", reason="x", role="officer")
    with pytest.raises(ValidationFailed):
        service.withdraw_refund(session, paid.id, first.id, actor="officer:s", reason=" ", role="supervisor")
    service.withdraw_refund(session, paid.id, first.id, actor="officer:s", reason="agent down, paid at counter",
                            role="supervisor")
    assert first.status == "withdrawn"
    with pytest.raises(Conflict):
        service.withdraw_refund(session, paid.id, first.id, actor="officer:s", reason="twice", role="supervisor")
    # The withdrawn amount can be asked for again; a request the agent accepted cannot be withdrawn.
    second = service.request_refund(session, paid.id, amount_jpy=2_000, actor="officer:s", reason="part",
                                    role="supervisor")
    service.mark_refund_sent(session, paid.id, second.id, "officer:s")
    with pytest.raises(Conflict):
        service.withdraw_refund(session, paid.id, second.id, actor="officer:s", reason="x", role="supervisor")
    other = new_order(session, 1_000)
    with pytest.raises(NotFound):  # a refund id of another order
        service.withdraw_refund(session, other.id, second.id, actor="officer:s", reason="x", role="supervisor")
    actions = [e.action for e in audit.history(session, "payment_order", paid.id)]
    assert actions.count("payment_order.refund_withdrawn") == 1


def test_a_refund_callback_without_refund_id_settles_the_pending_request_not_a_withdrawn_one(
        session: Session) -> None:
    paid = new_order(session, 9_000)
    deliver(session, event(paid.id, amount=9_000))
    withdrawn = service.request_refund(session, paid.id, amount_jpy=3_000, actor="officer:s", reason="overpaid",
                                       role="supervisor")
    service.withdraw_refund(session, paid.id, withdrawn.id, actor="officer:s", reason="agent was down",
                            role="supervisor")
    again = service.request_refund(session, paid.id, amount_jpy=3_000, actor="officer:s", reason="overpaid",
                                   role="supervisor")
    service.mark_refund_sent(session, paid.id, again.id, "officer:s")
    # The agent's callback names the amount only (no refund_id): it is the request the agent has, not the withdrawn one.
    out = deliver(session, event(paid.id, "refunded", 3_000))
    assert out["outcome"] == "applied"
    session.flush()
    assert (again.status, withdrawn.status) == ("settled", "withdrawn")
    # Nothing is left pending, so the remaining 6,000 yen can be asked for.
    rest = service.request_refund(session, paid.id, amount_jpy=None, actor="officer:s", reason="the rest",
                                  role="supervisor")
    assert rest.amount_jpy == 6_000


def test_a_second_refund_of_one_refund_request_is_a_discrepancy_not_booked(session: Session) -> None:
    """A request sent again (the agent's first answer was lost) that the agent refunds twice: the second refund is
    recorded for reconciliation, not counted as money the order was asked to give back."""
    paid = new_order(session, 10_000)
    deliver(session, event(paid.id, amount=10_000))
    refund = service.request_refund(session, paid.id, amount_jpy=3_000, actor="officer:s", reason="overpaid",
                                    role="supervisor")
    first = deliver(session, event(paid.id, "refunded", 3_000, refund_id=refund.id))
    second = deliver(session, event(paid.id, "refunded", 3_000, refund_id=refund.id))
    assert (first["outcome"], second["outcome"]) == ("applied", "discrepancy")
    assert "already" in second["detail"]
    session.refresh(paid)
    assert (paid.status, paid.refunded_amount_jpy) == ("paid", 3_000)
    assert second["event_id"] in {e.event_id for e in service.discrepancies(session)}

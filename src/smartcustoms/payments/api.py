"""Payment HTTP API: the agent's signed callbacks, the pay page's view of an order, officers' order actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from smartcustoms.declarations.officer_api import OfficerDep
from smartcustoms.deps import SessionDep
from smartcustoms.errors import FieldError, SmartCustomsError, ValidationFailed
from smartcustoms.payments import agent_client, protocol, service

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])
officer_router = APIRouter(prefix="/api/v1/officer/payment-orders", tags=["officer"])


MAX_CALLBACK_BYTES = 64 * 1024


async def _body(request: Request) -> bytes:
    """The raw body, refused (413) past MAX_CALLBACK_BYTES without reading the rest into memory."""
    too_big = SmartCustomsError(f"a callback body is at most {MAX_CALLBACK_BYTES} bytes",
                                [FieldError("body", f"at most {MAX_CALLBACK_BYTES} bytes", "too_large")], 413,
                                "payload_too_large")
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_CALLBACK_BYTES:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CALLBACK_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/callbacks")
async def callback(request: Request, session: SessionDep) -> JSONResponse:
    """A payment agent's signed notification (paid, refunded, failed); processed exactly once per event id.

    200 for an event processed now or already seen (`duplicate`), 401 for a bad signature (nothing changes),
    422 for a malformed event.
    """
    raw = await _body(request)
    result = service.handle_callback(session, raw, request.headers.get(protocol.TIMESTAMP_HEADER),
                                     request.headers.get(protocol.SIGNATURE_HEADER))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        # The same event committed concurrently by another request: nothing more to do. Any other integrity error
        # is raised (500) so that the agent retries rather than taking a lost event for a duplicate.
        if not service.event_seen(session, str(result.get("event_id") or "")):
            raise
        result = {"event_id": result.get("event_id"), "duplicate": True, "outcome": "duplicate"}
    return JSONResponse(result, status_code=200)


@router.get("/orders/{order_id}/pay-view")
def pay_view(order_id: str, session: SessionDep) -> dict[str, Any]:
    """What a payment agent's pay page shows: amount, reference, due date, status (the order id is the secret)."""
    o = service.get_order(session, order_id)
    return {"id": o.id, "kind": o.kind, "reference": o.reference, "amount_jpy": o.amount_jpy,
            "due_date": o.due_date.isoformat(), "status": o.status, "payer_name": o.payer_name}


@officer_router.get("")
def list_orders(
    session: SessionDep, officer: OfficerDep,
    status: Annotated[str | None, Query(description=f"one of {', '.join(protocol.STATUSES)}")] = None,
    kind: Annotated[str | None, Query(description=f"one of {', '.join(protocol.KINDS)}")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> JSONResponse:
    """Payment orders, newest first (X-Total-Count holds the total)."""
    if status is not None and status not in protocol.STATUSES:
        raise ValidationFailed([FieldError("status", f"one of {', '.join(protocol.STATUSES)}")])
    if kind is not None and kind not in protocol.KINDS:
        raise ValidationFailed([FieldError("kind", f"one of {', '.join(protocol.KINDS)}")])
    rows, total = service.list_orders(session, status=status, kind=kind, limit=limit, offset=offset)
    return JSONResponse([service.to_out(o) for o in rows], headers={"X-Total-Count": str(total)})


@officer_router.get("/{order_id}")
def get_order(order_id: str, session: SessionDep, officer: OfficerDep) -> dict[str, Any]:
    """One order with the agent's events about it."""
    o = service.get_order(session, order_id)
    return {**service.to_out(o), "events": [
        {"event_id": e.event_id, "type": e.event_type, "amount_jpy": e.amount_jpy, "outcome": e.outcome,
         "detail": e.detail, "transaction_id": e.transaction_id, "settled_at": e.settled_at.isoformat()}
        for e in service.events_for(session, o.id)]}


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class RefundIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)
    amount_jpy: int | None = Field(default=None, description="whole yen; omitted: all that is left to refund")


@officer_router.post("/{order_id}/cancel")
def cancel(order_id: str, body: CancelIn, session: SessionDep, officer: OfficerDep) -> dict[str, Any]:
    """Cancel an open order."""
    o = service.cancel_order(session, order_id, actor=f"officer:{officer.username}", reason=body.reason)
    out = service.to_out(o)
    session.commit()
    return out


@officer_router.post("/{order_id}/refunds", status_code=202)
def refund(order_id: str, body: RefundIn, session: SessionDep, officer: OfficerDep) -> dict[str, Any]:
    """Ask the agent for a refund (whole or part) of a paid order; its `refunded` callback settles it (202).
    Supervisors only (403 otherwise)."""
    actor = f"officer:{officer.username}"
    r = service.request_refund(session, order_id, amount_jpy=body.amount_jpy, actor=actor, reason=body.reason,
                               role=officer.role)
    message = service.refund_message(r, service.get_order(session, order_id))
    session.commit()
    # The agent is asked with no transaction open (agent_client.send_and_mark).
    problem = agent_client.send_and_mark(session, message, actor)
    status = service.get_refund(session, order_id, r.id).status
    session.commit()
    return {"refund_id": message["refund_id"], "order_id": order_id, "amount_jpy": message["amount_jpy"],
            "status": status, "agent_problem": problem}


@officer_router.post("/{order_id}/refunds/{refund_id}/withdraw")
def withdraw_refund(order_id: str, refund_id: str, body: CancelIn, session: SessionDep,
                    officer: OfficerDep) -> dict[str, Any]:
    """Withdraw a refund request the agent never accepted (still `requested`); supervisors only."""
    r = service.withdraw_refund(session, order_id, refund_id, actor=f"officer:{officer.username}",
                                reason=body.reason, role=officer.role)
    session.commit()
    return {"refund_id": r.id, "order_id": order_id, "amount_jpy": r.amount_jpy, "status": r.status}

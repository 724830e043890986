"""Talking to the payment agent over HTTP: signed refund requests (the same HMAC scheme as callbacks)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.payments import protocol
from smartcustoms.payments.config import get_payment_settings
from smartcustoms.payments.models import PaymentOrder, RefundRequest


def signed_post(url: str, secret: str, body: dict[str, Any], timeout: float = 5.0) -> httpx.Response:
    """POST a JSON body with X-Timestamp and X-Signature (HMAC-SHA256 of `timestamp.body`)."""
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", protocol.TIMESTAMP_HEADER: stamp,
               protocol.SIGNATURE_HEADER: protocol.sign(secret, stamp, raw)}
    return httpx.post(url, content=raw, headers=headers, timeout=timeout)


def send_refund(message: dict[str, Any]) -> str | None:
    """Ask the agent to refund (`message` from `service.refund_message`); None when it accepted, else why not.

    Call it with no database transaction open: a slow or unreachable agent (up to the 5-second timeout) must not
    hold the platform's write lock (SQLite) or the order's row lock (PostgreSQL) while it answers."""
    settings = get_payment_settings()
    try:
        r = signed_post(f"{settings.payment_agent_url.rstrip('/')}/api/refunds", settings.payment_agent_secret,
                        message)
    except httpx.HTTPError as exc:
        return f"agent unreachable: {exc}"
    if r.status_code >= 300:
        return f"agent answered {r.status_code}: {r.text[:200]}"
    return None


def send_and_mark(session: Session, message: dict[str, Any], actor: str) -> str | None:
    """Send one refund request with no transaction open, then, in a short transaction of its own, mark it `sent`
    when the agent accepted it (and it is still `requested`: a supervisor may have withdrawn it meanwhile, which
    the agent's `refunded` callback then settles all the same). Commits; None when the agent accepted."""
    from smartcustoms.payments import service  # service imports nothing from here; kept local all the same

    if session.in_transaction():
        session.commit()
    problem = send_refund(message)
    if problem is None:
        service.mark_refund_sent(session, message["order_id"], message["refund_id"], actor)
        session.commit()
    return problem


def send_pending_refunds(session: Session, actor: str = "cli") -> list[tuple[str, str | None]]:
    """Send every refund still `requested`, each outside any transaction; marks the accepted ones `sent` (each in
    a transaction of its own, committed)."""
    from smartcustoms.payments import service

    messages = []
    for refund in session.scalars(select(RefundRequest).where(RefundRequest.status == "requested")
                                  .order_by(RefundRequest.requested_at)):
        order = session.get(PaymentOrder, refund.order_id)
        if order is not None:
            messages.append(service.refund_message(refund, order))
    session.rollback()  # only read: nothing is held while the agent answers
    return [(m["refund_id"], send_and_mark(session, m, actor)) for m in messages]

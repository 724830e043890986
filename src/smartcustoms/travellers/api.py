"""Public traveller API (no API key): declare, and the e-gate API: publish keys, decide."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from smartcustoms.deps import SessionDep
from smartcustoms.errors import Conflict, FieldError, SmartCustomsError, ValidationFailed
from smartcustoms.travellers import gate, keys, service
from smartcustoms.travellers.models import PassengerDeclaration
from smartcustoms.travellers.schemas import GateDecisionIn, PassengerDeclarationIn

router = APIRouter(prefix="/api/v1", tags=["travellers"])

IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retrying with the same key returns the first result"),
]
GateId = Annotated[str | None, Header(alias="X-Gate-Id", description="the gate's identifier, recorded")]


class RateLimiter:
    """Sliding-window limit per client address (in memory, per process): a public form must not be flooded."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def check(self, client: str) -> None:
        now = time.monotonic()
        with self.lock:
            q = self.hits.setdefault(client, deque())
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                raise SmartCustomsError("too many declarations from this address; try again in a minute",
                                        [FieldError("body", "rate limit exceeded", "rate_limited")], 429,
                                        "rate_limited")
            q.append(now)
            if len(self.hits) > 10_000:
                self.hits = {k: v for k, v in self.hits.items() if v and now - v[-1] <= 60}


limiter = RateLimiter(per_minute=600)
# The live estimate stores nothing but computes the optimal allowance split (up to ~0.2 s of CPU for a family of ten
# with tobacco of every kind): limited per address too, well above what a person filling the form sends.
estimate_limiter = RateLimiter(per_minute=600)


def _replay(d: PassengerDeclaration, body: PassengerDeclarationIn) -> JSONResponse:
    if d.request_hash != service.request_hash(body):
        raise Conflict("Idempotency-Key was already used with a different request body", "Idempotency-Key",
                       "idempotency_key_reused")
    return JSONResponse(service.to_public(d), status_code=201, headers={"Idempotent-Replayed": "true"})


@router.post("/passenger-declarations", status_code=201)
def declare(body: PassengerDeclarationIn, request: Request, session: SessionDep,
            idempotency_key: IdemKey = None) -> Any:
    """File a baggage declaration: allowances, estimated tax and the signed QR payload come back at once."""
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 255:
            raise ValidationFailed([FieldError("Idempotency-Key", "1 to 255 characters")])
        existing = session.scalar(select(PassengerDeclaration).where(
            PassengerDeclaration.idempotency_key == idempotency_key))
        if existing is not None:
            return _replay(existing, body)
    limiter.check(request.client.host if request.client else "unknown")
    d = service.declare(session, body, idempotency_key=idempotency_key)
    out = service.to_public(d)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        winner = session.scalar(select(PassengerDeclaration).where(
            PassengerDeclaration.idempotency_key == idempotency_key)) if idempotency_key else None
        if winner is None:
            raise
        return _replay(winner, body)
    return JSONResponse(out, status_code=201, headers={"Location": f"/travellers/declarations/{d.id}"})


@router.get("/gate-keys")
def gate_keys() -> dict[str, Any]:
    """Public keys that verify traveller QR codes offline (JWK, Ed25519), and the payload format."""
    ring = keys.load()
    return {"keys": keys.public_jwks(ring), "active_kid": ring.active_kid,
            "format": "SCT1: + base45(version 0x01 | key id 8 bytes | Ed25519 signature 64 bytes | zlib(JSON)); "
                      "the signature covers version, key id and the compressed JSON"}


@router.post("/gate-decisions")
async def gate_decision(body: GateDecisionIn, session: SessionDep, gate_id: GateId = None) -> Any:
    """Green (walk through) or red (to the counter, with reasons); every decision is recorded."""
    t0 = time.perf_counter()
    gid = (gate_id or "unidentified").strip()[:64] or "unidentified"
    # Run inline on the event loop: a decision is ~1-3 ms of CPU and one short write transaction, and SQLite
    # serialises writers anyway; thread hand-offs cost more than they save here (benchmarks/gate_decisions.py).
    result = gate.decide(session, body.qr_payload, body.passport_number, body.face_match, gid)
    session.commit()
    ms = (time.perf_counter() - t0) * 1000
    return JSONResponse(result.to_out(), headers={"Server-Timing": f"decide;dur={ms:.2f}"})

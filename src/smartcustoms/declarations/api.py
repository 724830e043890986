"""Trader API for import declarations: lodge, fetch, list, amend, history."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcustoms.audit.chain import canonical_json
from smartcustoms.declarations import flows, lifecycle, payment, service
from smartcustoms.declarations.models import IdempotencyRecord
from smartcustoms.declarations.schemas import ImportDeclarationIn, ImportDeclarationOut, StatusChangeOut
from smartcustoms.deps import SessionDep, TraderDep
from smartcustoms.errors import Conflict, FieldError, ValidationFailed

router = APIRouter(prefix="/api/v1/import-declarations", tags=["import declarations"])

IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retrying with the same key returns the first result"),
]


def _out(d: Any, session: Session) -> dict[str, Any]:
    """The declaration as its trader sees it (with its payment order), serialised once for identical JSON."""
    return ImportDeclarationOut.model_validate(
        {**service.to_out(d, audience="trader"), "payment": payment.payment_view(session, d)}).model_dump(mode="json")


def _replay(record: IdempotencyRecord, request_hash: str) -> JSONResponse:
    if record.request_hash != request_hash:
        raise Conflict("Idempotency-Key was already used with a different request body", "Idempotency-Key",
                       "idempotency_key_reused")
    return JSONResponse(record.response, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


@router.post("", status_code=201, response_model=ImportDeclarationOut)
def lodge(body: ImportDeclarationIn, session: SessionDep, trader: TraderDep, idempotency_key: IdemKey = None) -> Any:
    """Lodge an import declaration; the answer carries its assessment and lane at once."""
    request_hash = hashlib.sha256(canonical_json(body.model_dump(mode="json")).encode()).hexdigest()
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 255:
            raise ValidationFailed([FieldError("Idempotency-Key", "1 to 255 characters")])
        existing = session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.trader_id == trader.id, IdempotencyRecord.key == idempotency_key))
        if existing:
            return _replay(existing, request_hash)
    declaration = flows.lodge(session, body, trader)
    out = _out(declaration, session)
    if idempotency_key is not None:
        session.add(IdempotencyRecord(trader_id=trader.id, key=idempotency_key, request_hash=request_hash,
                                      status_code=201, response=out))
    try:
        session.commit()
    except IntegrityError:
        # A concurrent retry with the same key committed first: answer with its result.
        session.rollback()
        if idempotency_key is None:
            raise
        winner = session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.trader_id == trader.id, IdempotencyRecord.key == idempotency_key))
        if winner is None:
            raise
        return _replay(winner, request_hash)
    return JSONResponse(out, status_code=201, headers={"Location": f"{router.prefix}/{declaration.id}"})


@router.get("", response_model=list[ImportDeclarationOut])
def list_declarations(
    session: SessionDep, trader: TraderDep, response: Response,
    status: Annotated[str | None, Query(description=f"one of {', '.join(lifecycle.STATUSES)}")] = None,
    lane: Annotated[int | None, Query(ge=1, le=3)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Any:
    """The trader's own declarations, newest first (X-Total-Count holds the total)."""
    if status is not None and status not in lifecycle.STATUSES:
        raise ValidationFailed([FieldError("status", f"one of {', '.join(lifecycle.STATUSES)}")])
    rows, total = service.list_for_trader(session, trader.id, status, lane, limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return [_out(d, session) for d in rows]


@router.get("/{declaration_id}", response_model=ImportDeclarationOut)
def get_declaration(declaration_id: str, session: SessionDep, trader: TraderDep) -> Any:
    """One of the trader's declarations."""
    return _out(service.get_for_trader(session, trader.id, declaration_id), session)


@router.put("/{declaration_id}", response_model=ImportDeclarationOut)
def amend_declaration(
    declaration_id: str, body: ImportDeclarationIn, session: SessionDep, trader: TraderDep,
    if_match: Annotated[str | None, Header(alias="If-Match", description="version the amendment is based on")] = None,
) -> Any:
    """Amend a declaration before release; it is re-assessed and its lane can only stay or rise."""
    version: int | None = None
    if if_match is not None:
        try:
            version = int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
        except ValueError:
            raise ValidationFailed([FieldError("If-Match", "the declaration version number")]) from None
    d = service.get_for_trader(session, trader.id, declaration_id)
    flows.amend(session, d, body, trader, version)
    out = _out(d, session)
    session.commit()
    return out


@router.get("/{declaration_id}/history", response_model=list[StatusChangeOut])
def declaration_history(declaration_id: str, session: SessionDep, trader: TraderDep) -> Any:
    """Status history of one of the trader's declarations, oldest first."""
    d = service.get_for_trader(session, trader.id, declaration_id)
    return [
        {"action": h.action, "from_status": h.from_status, "to_status": h.to_status, "lane": h.lane,
         "reason": h.reason, "actor": h.actor, "at": h.at}
        for h in service.history(session, d.id)
    ]

"""Public filing API of means-of-payment declarations and the officers' read API."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from smartcustoms.audit.chain import canonical_json
from smartcustoms.declarations.officer_api import OfficerDep
from smartcustoms.deps import SessionDep
from smartcustoms.errors import Conflict, FieldError, ValidationFailed
from smartcustoms.meansofpayment import service
from smartcustoms.meansofpayment.schemas import MeansOfPaymentIn

router = APIRouter(prefix="/api/v1/means-of-payment-declarations", tags=["means of payment"])
officer_router = APIRouter(prefix="/api/v1/officer/means-of-payment-declarations", tags=["officer"])

IdemKey = Annotated[str | None, Header(alias="Idempotency-Key",
                                       description="Retrying with the same key returns the first result")]


def _replay(session: Any, key: str, request_hash: str) -> JSONResponse | None:
    existing = service.by_key(session, key)
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise Conflict("Idempotency-Key was already used with a different request body", "Idempotency-Key",
                       "idempotency_key_reused")
    return JSONResponse(service.to_out(existing), status_code=201, headers={"Idempotent-Replayed": "true"})


@router.post("", status_code=201)
def file_declaration(body: MeansOfPaymentIn, session: SessionDep, idempotency_key: IdemKey = None) -> Any:
    """File a declaration of cash, cheques, securities, promissory notes or gold bullion carried (no login).

    The answer says whether declaration was required (over ¥1,000,000, over ¥100,000 bound for North Korea,
    gold bullion of 90% or more over 1 kg) with the weekly rates used.
    """
    request_hash = hashlib.sha256(canonical_json(body.model_dump(mode="json")).encode()).hexdigest()
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 255:
            raise ValidationFailed([FieldError("Idempotency-Key", "1 to 255 characters")])
        replay = _replay(session, idempotency_key, request_hash)
        if replay is not None:
            return replay
    d = service.file(session, body, idempotency_key=idempotency_key, request_hash=request_hash)
    out = service.to_out(d)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        replay = _replay(session, idempotency_key, request_hash) if idempotency_key else None
        if replay is None:
            raise
        return replay
    return JSONResponse(out, status_code=201, headers={"Location": f"{router.prefix}/{d.id}"})


@officer_router.get("")
def list_declarations(
    session: SessionDep, officer: OfficerDep, flagged: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> JSONResponse:
    """Declarations with their risk flags, newest first (X-Total-Count holds the total)."""
    rows, total = service.listing(session, flagged_only=flagged, limit=limit, offset=offset)
    return JSONResponse([service.to_out(d, "officer") for d in rows], headers={"X-Total-Count": str(total)})


@officer_router.get("/{declaration_id}")
def get_declaration(declaration_id: str, session: SessionDep, officer: OfficerDep) -> dict[str, Any]:
    return service.to_out(service.get(session, declaration_id), "officer")

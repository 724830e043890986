"""Trader API for import declarations: lodge, fetch, list, amend, history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from smartcustoms.declarations import flows, lifecycle, payment, service
from smartcustoms.declarations.idempotency import IdemKey, IfMatch, amend_once, create_once, if_match_version
from smartcustoms.declarations.schemas import ImportDeclarationIn, ImportDeclarationOut, StatusChangeOut
from smartcustoms.deps import ReadSessionDep, ReadTraderDep, SessionDep, TraderDep
from smartcustoms.errors import FieldError, ValidationFailed

router = APIRouter(prefix="/api/v1/import-declarations", tags=["import declarations"])


def _out(d: Any, session: Session) -> dict[str, Any]:
    """The declaration as its trader sees it (with its payment order), serialised once for identical JSON."""
    return ImportDeclarationOut.model_validate(
        {**service.to_out(d, audience="trader"), "payment": payment.payment_view(session, d)}).model_dump(mode="json")


@router.post("", status_code=201, response_model=ImportDeclarationOut)
def lodge(body: ImportDeclarationIn, session: SessionDep, trader: TraderDep, idempotency_key: IdemKey = None) -> Any:
    """Lodge an import declaration; the answer carries its assessment and lane at once."""

    def create() -> tuple[dict[str, Any], str]:
        declaration = flows.lodge(session, body, trader)
        return _out(declaration, session), f"{router.prefix}/{declaration.id}"

    return create_once(session, trader.id, idempotency_key, body, create)


@router.get("", response_model=list[ImportDeclarationOut])
def list_declarations(
    session: ReadSessionDep, trader: ReadTraderDep, response: Response,
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
def get_declaration(declaration_id: str, session: ReadSessionDep, trader: ReadTraderDep) -> Any:
    """One of the trader's declarations."""
    return _out(service.get_for_trader(session, trader.id, declaration_id), session)


@router.put("/{declaration_id}", response_model=ImportDeclarationOut)
def amend_declaration(
    declaration_id: str, body: ImportDeclarationIn, session: SessionDep, trader: TraderDep,
    if_match: IfMatch = None, idempotency_key: IdemKey = None,
) -> Any:
    """Amend a declaration before release; it is re-assessed and its lane can only stay or rise. With an
    `Idempotency-Key`, a retry of the same amendment replays its answer."""
    version = if_match_version(if_match)
    # Locked: an officer's decision or another amendment in flight is waited for, then seen (version, status).
    d = service.get_for_trader(session, trader.id, declaration_id, for_update=True)

    def amend() -> tuple[dict[str, Any], dict[str, str]]:
        flows.amend(session, d, body, trader, version)
        return _out(d, session), {"ETag": f'"{d.version}"'}

    return amend_once(session, trader.id, idempotency_key, body, version, d.id, amend)


@router.get("/{declaration_id}/history", response_model=list[StatusChangeOut])
def declaration_history(declaration_id: str, session: ReadSessionDep, trader: ReadTraderDep) -> Any:
    """Status history of one of the trader's declarations, oldest first."""
    d = service.get_for_trader(session, trader.id, declaration_id)
    return [
        {"action": h.action, "from_status": h.from_status, "to_status": h.to_status, "lane": h.lane,
         "reason": h.reason, "actor": h.actor, "at": h.at}
        for h in service.history(session, d.id)
    ]

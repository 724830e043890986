"""Trader API for export declarations (lodge, amend, fetch, list, status history) and the read-only officer view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from smartcustoms.declarations.idempotency import IdemKey, IfMatch, amend_once, create_once, if_match_version
from smartcustoms.declarations.officer_api import OfficerDep
from smartcustoms.deps import ReadSessionDep, ReadTraderDep, SessionDep, TraderDep
from smartcustoms.errors import FieldError, ValidationFailed
from smartcustoms.exports import flows, lifecycle, service
from smartcustoms.exports.schemas import ExportDeclarationIn, ExportDeclarationOut, ExportStatusChangeOut

router = APIRouter(prefix="/api/v1/export-declarations", tags=["export declarations"])
# Idempotency records are shared with import lodgements; export keys live in their own namespace. The prefix ends in
# a line feed, which no HTTP header value can carry, so no import key (such as "export:k1") can ever equal one.
KEY_PREFIX = "export\n"


def _out(d: Any) -> dict[str, Any]:
    return ExportDeclarationOut.model_validate(service.to_out(d, audience="trader")).model_dump(mode="json")


@router.post("", status_code=201, response_model=ExportDeclarationOut)
def lodge(body: ExportDeclarationIn, session: SessionDep, trader: TraderDep, idempotency_key: IdemKey = None) -> Any:
    """Lodge an export declaration; the answer carries its lane, reasons, hits and the list versions screened."""

    def create() -> tuple[dict[str, Any], str]:
        declaration = flows.lodge(session, body, trader)
        return _out(declaration), f"{router.prefix}/{declaration.id}"

    return create_once(session, trader.id, idempotency_key, body, create, namespace=KEY_PREFIX)


@router.get("", response_model=list[ExportDeclarationOut])
def list_declarations(
    session: ReadSessionDep, trader: ReadTraderDep, response: Response,
    status: Annotated[str | None, Query(description=f"one of {', '.join(lifecycle.STATUSES)}")] = None,
    lane: Annotated[int | None, Query(ge=1, le=3)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Any:
    """The trader's own export declarations, newest first (X-Total-Count holds the total)."""
    if status is not None and status not in lifecycle.STATUSES:
        raise ValidationFailed([FieldError("status", f"one of {', '.join(lifecycle.STATUSES)}")])
    rows, total = service.list_for_trader(session, trader.id, status, lane, limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return [_out(d) for d in rows]


@router.get("/{declaration_id}", response_model=ExportDeclarationOut)
def get_declaration(declaration_id: str, session: ReadSessionDep, trader: ReadTraderDep) -> Any:
    return _out(service.get_for_trader(session, trader.id, declaration_id))


@router.put("/{declaration_id}", response_model=ExportDeclarationOut)
def amend(
    declaration_id: str, body: ExportDeclarationIn, session: SessionDep, trader: TraderDep,
    if_match: IfMatch = None, idempotency_key: IdemKey = None,
) -> Any:
    """Amend an export waiting for review or inspection: screened and checked again; its lane never falls. With an
    `Idempotency-Key`, a retry of the same amendment replays its answer."""
    version = if_match_version(if_match)
    # Locked: an officer's verdict or another amendment in flight is waited for, then seen (version, status, hits).
    d = service.get_for_trader(session, trader.id, declaration_id, for_update=True)

    def run() -> tuple[dict[str, Any], dict[str, str]]:
        flows.amend(session, d, body, trader, version)
        return _out(d), {"ETag": f'"{d.version}"'}

    return amend_once(session, trader.id, idempotency_key, body, version, d.id, run)


@router.get("/{declaration_id}/history", response_model=list[ExportStatusChangeOut])
def declaration_history(declaration_id: str, session: ReadSessionDep, trader: ReadTraderDep) -> Any:
    """Status history of one of the trader's exports; officers appear as "customs" (who decided stays internal)."""
    d = service.get_for_trader(session, trader.id, declaration_id)
    return [{"action": h.action, "from_status": h.from_status, "to_status": h.to_status, "lane": h.lane,
             "reason": h.reason, "actor": "customs" if h.actor.startswith("officer:") else h.actor, "at": h.at}
            for h in service.history(session, d.id)]


officer_router = APIRouter(prefix="/api/v1/officer/export-declarations", tags=["officer"])


@officer_router.get("", response_model=list[ExportDeclarationOut])
def officer_list(
    session: SessionDep, officer: OfficerDep, response: Response,
    open_hits: Annotated[bool, Query(description="only exports with hits still to resolve")] = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Any:
    """Exports for officers (HTTP Basic), oldest first: by default those with open hits."""
    rows, total = service.queue(session, open_hits_only=open_hits, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [ExportDeclarationOut.model_validate(service.to_out(d)).model_dump(mode="json") for d in rows]


@officer_router.get("/{declaration_id}", response_model=ExportDeclarationOut)
def officer_get(declaration_id: str, session: SessionDep, officer: OfficerDep) -> Any:
    """Any export with every hit, verdict, officer and note."""
    return ExportDeclarationOut.model_validate(service.to_out(service.get(session, declaration_id))).model_dump(
        mode="json")

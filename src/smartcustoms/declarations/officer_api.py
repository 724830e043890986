"""Officer API (read-only): a declaration with everything the console shows, risk model internals included."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from smartcustoms.declarations import payment, service
from smartcustoms.declarations.schemas import ImportDeclarationOut
from smartcustoms.deps import ReadSessionDep, SessionDep
from smartcustoms.errors import Unauthorized
from smartcustoms.identity.models import Officer
from smartcustoms.identity.service import authenticate_officer

router = APIRouter(prefix="/api/v1/officer/import-declarations", tags=["officer"])


def current_officer(request: Request, session: SessionDep) -> Officer:
    """The officer in `Authorization: Basic` (console username and password; Argon2-checked, a success remembered
    for a few minutes: identity/verified.py)."""
    return basic_officer(request, session)


def reading_officer(request: Request, session: ReadSessionDep) -> Officer:
    """`current_officer` for routes that only read (their session takes no write lock, so an outdated password
    hash is not upgraded there: its flush would fail)."""
    return basic_officer(request, session, rehash=False)


def basic_officer(request: Request, session: Session, rehash: bool = True) -> Officer:
    """The officer whose console username and password are in `Authorization: Basic`; 401 otherwise."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not token:
        raise Unauthorized("send the officer's username and password as HTTP Basic credentials")
    try:
        username, _, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials") from None
    officer = authenticate_officer(session, username, password, rehash, remember=True)
    if officer is None:
        raise Unauthorized("unknown officer, wrong password or disabled account")
    return officer


OfficerDep = Annotated[Officer, Depends(current_officer)]
ReadOfficerDep = Annotated[Officer, Depends(reading_officer)]


@router.get("/{declaration_id}", response_model=ImportDeclarationOut)
def get_declaration(declaration_id: str, session: SessionDep, officer: OfficerDep) -> Any:
    """Any declaration, with the risk score, percentile and contributions and the full inspection record."""
    d = service.get(session, declaration_id)
    return ImportDeclarationOut.model_validate({**service.to_out(d), "payment": payment.payment_view(session, d)}
                                               ).model_dump(mode="json")

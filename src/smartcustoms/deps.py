"""Typed FastAPI dependencies: the session, the current trader, the current officer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from smartcustoms.errors import Unauthorized
from smartcustoms.identity.models import Trader
from smartcustoms.identity.service import authenticate_key


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the route commits, anything unfinished is rolled back."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def current_trader(request: Request, session: SessionDep) -> Trader:
    """The trader whose API key is in `Authorization: Bearer <key>`."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send the API key as 'Authorization: Bearer <key>'")
    trader = authenticate_key(session, key.strip())
    if trader is None:
        raise Unauthorized("API key unknown or revoked")
    return trader


TraderDep = Annotated[Trader, Depends(current_trader)]

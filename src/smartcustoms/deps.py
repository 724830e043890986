"""Typed FastAPI dependencies: the session, the current trader, the current officer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from smartcustoms.errors import Unauthorized
from smartcustoms.identity.models import Trader
from smartcustoms.identity.service import authenticate_key


def _request_session(factory: Callable[[], Session]) -> Iterator[Session]:
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the route commits, anything unfinished is rolled back."""
    yield from _request_session(request.app.state.session_factory)


def get_read_session(request: Request) -> Iterator[Session]:
    """A session for a request that only reads (`db.read_engine`): it never waits for a writer, and cannot write.

    Decision: a route takes it only when nothing it calls writes; pages that refresh and commit something on
    the way (the traveller counter's payment status) keep `SessionDep`. The tests run these routes read-only.
    """
    yield from _request_session(request.app.state.read_session_factory)


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


def _trader(request: Request, session: Session) -> Trader:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send the API key as 'Authorization: Bearer <key>'")
    trader = authenticate_key(session, key.strip())
    if trader is None:
        raise Unauthorized("API key unknown or revoked")
    return trader


def current_trader(request: Request, session: SessionDep) -> Trader:
    """The trader whose API key is in `Authorization: Bearer <key>`."""
    return _trader(request, session)


def reading_trader(request: Request, session: ReadSessionDep) -> Trader:
    """`current_trader` for a route that only reads (looked up on its read session)."""
    return _trader(request, session)


TraderDep = Annotated[Trader, Depends(current_trader)]
ReadTraderDep = Annotated[Trader, Depends(reading_trader)]

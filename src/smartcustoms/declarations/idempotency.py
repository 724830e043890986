"""Safe retries for the trader APIs: a lodgement retried with the same `Idempotency-Key` replays the first answer,
and an amendment names the version it is based on with `If-Match` (and, with an `Idempotency-Key`, a retried
amendment replays its first answer instead of meeting its own new version as a stale `If-Match`).

The key is the trader's own (unique per trader and namespace); the same key with another body is 409 naming the
header. A concurrent retry that commits first wins: the loser answers with the winner's stored response. Import
declarations use the plain key; other kinds of document use a namespace prefix that ends in a line feed, which no
HTTP header value can carry, so no key of one kind can ever equal a key of another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any, NamedTuple

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smartcustoms.audit.chain import canonical_json
from smartcustoms.declarations.models import IdempotencyRecord
from smartcustoms.errors import Conflict, FieldError, ValidationFailed

IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retrying with the same key returns the first result"),
]
MAX_KEY = 255
IfMatch = Annotated[str | None, Header(alias="If-Match", description="version the amendment is based on")]


def if_match_version(value: str | None) -> int | None:
    """The version number of an `If-Match` header (`3`, `"3"` or `W/"3"`); None without the header, 422 naming
    it when it is not a version number."""
    if value is None:
        return None
    try:
        return int(value.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise ValidationFailed([FieldError("If-Match", "the declaration version number")]) from None


class StoredAnswer(NamedTuple):
    """A stored first answer: the trader's (IdempotencyRecord) or an officer's (ecommerce ActionKey)."""

    request_hash: str
    status_code: int
    response: dict[str, Any]


def _replay(record: StoredAnswer, request_hash: str) -> JSONResponse:
    if record.request_hash != request_hash:
        raise Conflict("Idempotency-Key was already used with a different request body", "Idempotency-Key",
                       "idempotency_key_reused")
    return JSONResponse(record.response, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


def _find(session: Session, trader_id: int, stored_key: str) -> StoredAnswer | None:
    r = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.trader_id == trader_id, IdempotencyRecord.key == stored_key))
    return None if r is None else StoredAnswer(r.request_hash, r.status_code, r.response)


def stored_key(key: str | None, namespace: str = "", longest: int = MAX_KEY) -> str | None:
    """The key as stored (namespace first); 422 naming the header when it is empty or too long."""
    if key is None:
        return None
    if not 1 <= len(key) <= longest - len(namespace):
        raise ValidationFailed([FieldError("Idempotency-Key", f"1 to {longest - len(namespace)} characters")])
    return namespace + key


def answer_once(session: Session, find: Callable[[], StoredAnswer | None] | None,
                keep: Callable[[str, int, dict[str, Any]], None], request: dict[str, Any], status_code: int,
                run: Callable[[], tuple[dict[str, Any], dict[str, str]]]) -> JSONResponse:
    """Run `run` (→ the response JSON and its headers) at most once per key, commit, and answer.

    `find` reads the key's stored answer (None: the request carries no key); `keep(request_hash, status, json)`
    adds the record of a first answer to the session. A concurrent retry with the same key that commits first
    wins: this one rolls back (its writes with it) and answers with the winner's stored response."""
    request_hash = hashlib.sha256(canonical_json(request).encode()).hexdigest()
    if find is not None:
        existing = find()
        if existing:
            return _replay(existing, request_hash)
    out, headers = run()
    if find is not None:
        keep(request_hash, status_code, out)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        winner = find() if find is not None else None
        if winner is None:
            raise
        return _replay(winner, request_hash)
    return JSONResponse(out, status_code=status_code, headers=headers)


def _once(session: Session, trader_id: int, key: str | None, request: dict[str, Any], status_code: int,
          run: Callable[[], tuple[dict[str, Any], dict[str, str]]]) -> JSONResponse:
    """`answer_once` with the trader's key (already namespaced) in idempotency_records."""
    def keep(request_hash: str, status: int, out: dict[str, Any]) -> None:
        session.add(IdempotencyRecord(trader_id=trader_id, key=key, request_hash=request_hash,
                                      status_code=status, response=out))

    if key is None:
        return answer_once(session, None, keep, request, status_code, run)
    stored = key
    return answer_once(session, lambda: _find(session, trader_id, stored), keep, request, status_code, run)


def create_once(session: Session, trader_id: int, key: str | None, body: BaseModel,
                create: Callable[[], tuple[dict[str, Any], str]], namespace: str = "") -> JSONResponse:
    """Run `create` (→ the response JSON and its Location) at most once per key, commit, and answer 201.

    The caller's session holds the transaction: `create` writes, this commits (with the key's record)."""
    key = stored_key(key, namespace)

    def run() -> tuple[dict[str, Any], dict[str, str]]:
        out, location = create()
        return out, {"Location": location}

    return _once(session, trader_id, key, body.model_dump(mode="json"), 201, run)


def amend_once(session: Session, trader_id: int, key: str | None, body: BaseModel, if_match: int | None,
               document: str, amend: Callable[[], tuple[dict[str, Any], dict[str, str]]]) -> JSONResponse:
    """Run `amend` (→ the response JSON and its headers) at most once per key and document, commit, answer 200.

    The caller has read the document locked, so a concurrent retry with the same key waits and then finds this
    one's record. The key is kept per document (an amendment key reused on another declaration is another
    amendment); the same key with another body or another `If-Match` is 409 naming the header. Without a key an
    amendment runs every time (a retry then meets its own new version: 412)."""
    key = stored_key(key, f"amend\n{document}\n")
    return _once(session, trader_id, key, {"body": body.model_dump(mode="json"), "if_match": if_match},
                 200, amend)

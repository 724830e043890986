"""Submitter API: stream a manifest in, get one result line per consignment back; fetch results later."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import unquote

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from smartcustoms.deps import ReadSessionDep, ReadTraderDep, current_trader
from smartcustoms.ecommerce import manifest_keys, parse, service
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.models import Manifest
from smartcustoms.ecommerce.pipeline import Intake, summary
from smartcustoms.ecommerce.records import problem
from smartcustoms.ecommerce.streaming import NDJSONResponse, ResultQueue, Spool
from smartcustoms.errors import Conflict, FieldError, SmartCustomsError, ValidationFailed
from smartcustoms.textcheck import printable

PREFIX = "/api/v1/manifests"
router = APIRouter(prefix=PREFIX, tags=["e-commerce manifests"])
parcels = APIRouter(prefix="/api/v1/parcels", tags=["e-commerce manifests"])


def _engine(request: Request) -> Engine:
    bind = request.app.state.session_factory.kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def _authenticate(request: Request) -> tuple[int, str]:
    # A short session of its own: nothing may hold a connection while the manifest streams.
    with request.app.state.session_factory() as session:
        trader = current_trader(request, session)
        return trader.id, trader.code


def _charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type, lower case (None when there is none)."""
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() or None
    return None


def _refuse(status: int, code: str, field: str, reason: str) -> SmartCustomsError:
    return SmartCustomsError(reason, [FieldError(field, reason, code)], status, code)


def _busy(manifest_id: str | None) -> JSONResponse:
    which = f"manifest {manifest_id}" if manifest_id else "the manifest"
    where = f"GET {PREFIX}/{manifest_id}" if manifest_id else f"GET {PREFIX}"
    reason = (f"{which} sent with this Idempotency-Key is still being received: wait for it to end ({where} "
              "says when) and send the same request again")
    err = SmartCustomsError(reason, [FieldError("Idempotency-Key", reason, "manifest_in_progress")], 409,
                            "manifest_in_progress")
    return JSONResponse(err.to_dict(), status_code=409, headers={"Retry-After": "5"})


def _stored_page(request: Request, manifest_id: str, after: int) -> list[dict[str, Any]]:
    with request.app.state.read_session_factory() as session:
        return service.results_page(session, manifest_id, after, REPLAY_PAGE)


def _stored_summary(request: Request, manifest_id: str) -> dict[str, Any]:
    with request.app.state.read_session_factory() as session:
        return summary(session.get_one(Manifest, manifest_id))


REPLAY_PAGE = 1000


async def _replay(request: Request, hit: manifest_keys.KeyReplay, fmt: str, limit: int) -> Any:
    """Answer a retry whose key names a manifest that ended with its body received whole: the same body replays
    its stored results (as GET …/results gives them); another body is 409 naming the header."""
    digest = manifest_keys.BodyDigest()
    async for data in request.stream():
        digest.update(data)
        if digest.size > limit:  # the stored body was within the limit: this one cannot be it
            break
    if fmt != hit.format or digest.size > limit or digest.hexdigest() != hit.body_sha256:
        raise Conflict(f"Idempotency-Key was already used for manifest {hit.manifest_id} with a different body",
                       "Idempotency-Key", "idempotency_key_reused")
    mid = hit.manifest_id

    async def body() -> AsyncIterator[bytes]:
        yield orjson.dumps({"result": "manifest", "manifest_id": mid, "format": hit.format, "replayed": True}) + b"\n"
        after = 0
        while True:
            page = await run_in_threadpool(_stored_page, request, mid, after)
            if page:
                yield b"".join(orjson.dumps(r) + b"\n" for r in page)
                after = page[-1]["line"]
            if len(page) < REPLAY_PAGE:
                break
        yield orjson.dumps(await run_in_threadpool(_stored_summary, request, mid)) + b"\n"

    return NDJSONResponse(body(), headers={"X-Manifest-Id": mid, "Location": f"{PREFIX}/{mid}",
                                           "Idempotent-Replayed": "true"})


@router.post("", status_code=200, response_class=NDJSONResponse, responses={
    200: {"content": {"application/x-ndjson": {}},
          "description": "One JSON object per line: the manifest id first, then one result per consignment in "
                         "input order within each committed chunk, then the summary."},
    409: {"description": "Idempotency-Key used with another body, or its manifest is still being received"}})
async def submit_manifest(request: Request, idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", description="retrying with the same key and body replays the stored results and "
                                             "records nothing")] = None) -> Any:
    """Submit a manifest as JSON Lines (application/x-ndjson) or CSV (text/csv), streamed.

    Each result line is sent only after its chunk is committed. Re-sending a manifest (or part of it) is safe:
    a parcel already accepted comes back as `"result": "repeat"` with its stored result, and is not stored twice.
    With an `Idempotency-Key`, a retry of a manifest received whole records nothing: the same body replays its
    stored results (`Idempotent-Replayed: true`), another body is 409 (ecommerce/manifest_keys.py).
    """
    settings = get_ecommerce_settings()
    trader_id, trader_code = await run_in_threadpool(_authenticate, request)
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= manifest_keys.MAX_KEY:
        raise ValidationFailed([FieldError("Idempotency-Key", f"1 to {manifest_keys.MAX_KEY} characters",
                                           "invalid_length")])
    if idempotency_key is not None and not printable(idempotency_key):
        raise ValidationFailed([FieldError("Idempotency-Key", "no control or invisible characters", "invalid")])
    # X-Filename is percent-decoded: HTTP headers carry ASCII, so a Japanese file name comes encoded (the client
    # `smartcustoms ecommerce submit` sends it so).
    filename = unquote(request.headers["x-filename"]) if "x-filename" in request.headers else None
    fmt = parse.format_of(request.headers.get("content-type"), filename)
    if fmt is None:
        raise _refuse(415, "unsupported_media_type", "Content-Type",
                      "application/x-ndjson (JSON Lines) or text/csv (one row per goods line)")
    charset = _charset(request.headers.get("content-type"))
    if charset not in (None, "utf-8", "utf8", "us-ascii", "ascii"):
        # Refused before a manifest is recorded: every line with a non-ASCII character would be rejected one by one.
        raise _refuse(415, "unsupported_charset", "Content-Type",
                      f"charset {charset}: manifests are UTF-8 (JSON Lines and CSV); convert the file and send it "
                      "again")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_manifest_bytes:
        raise _refuse(413, "body_too_large", "body", f"at most {settings.max_manifest_bytes} bytes per manifest")
    if declared == "0":  # refused before a manifest is recorded (a streamed empty body fails as `empty`)
        raise _refuse(400, "empty_body", "body", "the manifest is empty: send its consignments")
    engine = _engine(request)
    try:
        intake = await run_in_threadpool(Intake.open, engine, trader_id, trader_code, fmt, "api",
                                         filename, None, idempotency_key)
    except manifest_keys.KeyReplay as hit:
        return await _replay(request, hit, fmt, settings.max_manifest_bytes)
    except manifest_keys.KeyBusy as busy:
        return _busy(busy.manifest_id)
    except IntegrityError:
        if idempotency_key is None:
            raise
        return _busy(None)  # a first request with the same key committed its manifest just before this one
    spool = Spool(None if idempotency_key is None else manifest_keys.BodyDigest(), settings.max_manifest_bytes)
    queue = ResultQueue(asyncio.get_running_loop())
    filler = asyncio.create_task(spool.fill(request))

    def whole_body() -> str | None:
        # Waits for the body's end (an early failure stops reading it); one over the size limit is not replayed
        # (a retry's replay reads no further than the limit).
        digest = spool.whole_digest()
        return None if spool.size > settings.max_manifest_bytes else digest

    intake.body_digest = whole_body

    def lines(results: list[dict[str, Any]]) -> None:  # serialised in the worker: the queue holds bytes
        queue.put(b"".join(orjson.dumps(r) + b"\n" for r in results))

    def work() -> None:
        try:
            queue.put(orjson.dumps(ingest(engine, intake, spool.chunks(), fmt, lines, lost=lambda: spool.aborted))
                      + b"\n")
        except BaseException as exc:  # the stream must end with a line saying why, not hang
            queue.put(orjson.dumps({"result": "error", "manifest_id": intake.manifest_id,
                                    "error": problem("server", f"intake stopped: {type(exc).__name__}",
                                                     "internal_error")}) + b"\n")
            raise
        finally:
            queue.end()

    worker = threading.Thread(target=work, name=f"manifest-{intake.manifest_id}", daemon=True)
    worker.start()

    async def body() -> AsyncIterator[bytes]:
        try:
            opened: dict[str, Any] = {"result": "manifest", "manifest_id": intake.manifest_id, "format": fmt}
            if intake.retry_of is not None:
                opened["retry_of"] = intake.retry_of
            yield orjson.dumps(opened) + b"\n"
            while (data := await queue.get()) is not None:
                yield data
        finally:
            queue.gone = True
            try:
                if not filler.done():
                    if not queue.ended:  # the intake still reads the body (the client stopped reading the answer)
                        await filler
                    else:  # the intake has ended (a per-file error, too large): the rest of the body is not wanted
                        try:
                            await asyncio.wait_for(asyncio.shield(filler), DRAIN_SECONDS)
                        except TimeoutError:
                            filler.cancel()
                await asyncio.get_running_loop().run_in_executor(None, worker.join)
            finally:  # also when the server, shutting down, cancels this answer: the temporary files go
                queue.close()
                spool.close()

    # Connection: close — the server closes the connection when the answer ends, also when the client is still
    # sending a body the intake no longer wants (over the limit, a per-file error): kept alive, such a connection
    # stayed open as long as the client went on sending. A manifest is large: one connection each costs nothing.
    return NDJSONResponse(body(), headers={"X-Manifest-Id": intake.manifest_id,
                                           "Location": f"{PREFIX}/{intake.manifest_id}", "Connection": "close"})


# Once a manifest's intake has ended, how long its answer waits for the rest of a body still being sent (read and
# dropped) before the connection is closed: a client that sends everything before reading gets its answer when its
# body ends, unless that takes longer than this.
DRAIN_SECONDS = 30.0


@router.get("")
def list_manifests(session: ReadSessionDep, trader: ReadTraderDep,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    """The submitter's latest manifests with their totals, newest first."""
    return service.manifests_of(session, trader.id, limit)


@router.get("/{manifest_id}")
def get_manifest(manifest_id: str, session: ReadSessionDep, trader: ReadTraderDep) -> dict[str, Any]:
    """A manifest's summary: status (receiving, complete, failed), lines with a result, lanes and totals."""
    return summary(service.manifest_for(session, trader.id, manifest_id))


@router.get("/{manifest_id}/results")
def get_results(
    manifest_id: str, session: ReadSessionDep, trader: ReadTraderDep,
    after: Annotated[int, Query(ge=0, le=10**9, description="last line number already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> dict[str, Any]:
    """Stored results in line order after line `after`; `next_after` continues, null at the end."""
    m = service.manifest_for(session, trader.id, manifest_id)
    page = service.results_page(session, manifest_id, after, limit)
    more = len(page) == limit
    return {"manifest_id": m.id, "status": m.status, "results": page,
            "next_after": page[-1]["line"] if more else None}


@parcels.get("/{parcel_id:path}")  # a carrier's id may hold "/" (sent as %2F or as it is)
def get_parcel(parcel_id: str, session: ReadSessionDep, trader: ReadTraderDep) -> dict[str, Any]:
    """The stored result of one of the submitter's parcels (lane, release status, duty and tax)."""
    return service.result_for_parcel(session, trader.id, parcel_id)

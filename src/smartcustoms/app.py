"""FastAPI app factory: mounts each domain's routes, the console and its local assets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartcustoms import __version__
from smartcustoms.db import get_engine, read_engine, session_factory
from smartcustoms.errors import FieldError, SmartCustomsError
from smartcustoms.settings import get_settings


def _field_path(loc: tuple[Any, ...]) -> str:
    """('body', 'lines', 0, 'hs_code') -> 'lines[0].hs_code'."""
    out = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "header", "path") else loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


class BodySizeLimit:
    """Refuse request bodies over the limit with 413 before anything reads them whole.

    Routes under `streamed_prefixes` read their bodies incrementally and enforce their own limits.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, streamed_prefixes: tuple[str, ...] = ()) -> None:
        self.app, self.max_bytes, self.streamed_prefixes = app, max_bytes, streamed_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.streamed_prefixes):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        err = SmartCustomsError(f"request body larger than {self.max_bytes} bytes", [], 413, "body_too_large")
        err.errors.append(FieldError("body", f"at most {self.max_bytes} bytes", "too_large"))
        resp = JSONResponse(err.to_dict(), status_code=413)
        await resp({"type": "http"}, _empty_receive, send)


class ReadablePath:
    """A path with control characters (a percent-encoded NUL, a line feed ...) names nothing: 404 before any route,
    as the routes that check their ids already answer. PostgreSQL refuses NUL in text, so a parcel, manifest or
    declaration id with one was a 500 wherever it reached a query. The query string is left to the routes (a search
    box may clean what it is given; the officers' filters refuse it by name)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and not readable(path):
            resp: Response
            if path.startswith("/console"):  # the officers' pages answer a page, in both languages
                resp = HTMLResponse(_NOT_FOUND_PAGE, status_code=404)
            else:
                err = SmartCustomsError("not found: control characters in the path", [
                    FieldError("path", "control characters are not allowed", "not_found")], 404, "not_found")
                resp = JSONResponse(err.to_dict(), status_code=404)
            await resp({"type": "http"}, _empty_receive, send)
            return
        await self.app(scope, receive, send)


_NOT_FOUND_PAGE = ('<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>見つかりません / Not found'
                   '</title><link rel="stylesheet" href="/console/static/console.css"></head><body><main>'
                   '<h1>見つかりません</h1><p>アドレスに制御文字が含まれています。</p>'
                   '<h1 lang="en">Not found</h1><p lang="en">The address contains control characters.</p>'
                   '<p><a href="/console/">コンソールへ / To the console</a></p></main></body></html>')


_SERVER_ERROR_PAGE = ('<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>サーバーエラー / Server error'
                      '</title><link rel="stylesheet" href="/console/static/console.css"></head><body><main>'
                      '<h1>サーバーエラー</h1><p>要求を処理できませんでした。記録を残しました。</p>'
                      '<h1 lang="en">Server error</h1><p lang="en">The request could not be completed; it has been '
                      'logged.</p><p><a href="/console/">コンソールへ / To the console</a></p></main></body></html>')


def readable(path: str) -> bool:
    """No C0 control character and no DEL in the (decoded) path."""
    return not any(ord(c) < 32 or ord(c) == 127 for c in path)


class _BodyTooLarge(Exception):
    pass


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


def create_app(engine: Engine | None = None, housekeeping: bool | None = None) -> FastAPI:
    """Build the app; tests pass their own engine.

    `housekeeping`: whether the app runs the scheduled jobs (housekeeping/runner.py) while it serves; by default
    when it opens its own engine (the server) and SMARTCUSTOMS_HOUSEKEEPING is on, never for a test's engine.
    """
    from smartcustoms.console.routes import mount_console
    from smartcustoms.declarations.api import router as declarations_router
    from smartcustoms.declarations.officer_api import router as officer_router
    from smartcustoms.ecommerce.mount import STREAMED_PREFIXES, mount_ecommerce
    from smartcustoms.exports.api import officer_router as exports_officer_router
    from smartcustoms.exports.api import router as exports_router
    from smartcustoms.exports.console import router as exports_console_router
    from smartcustoms.payments.mount import mount_payments
    from smartcustoms.screening.api import router as screening_router
    from smartcustoms.travellers.mount import mount_travellers

    settings = get_settings()
    keeper: list[Any] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for k in keeper:
            k.start()
        try:
            yield
        finally:
            for k in keeper:
                await asyncio.to_thread(k.stop)

    app = FastAPI(
        title="smartcustoms",
        version=__version__,
        description="Customs clearance and risk management (Japan Customs SMART Customs action plan).",
        lifespan=lifespan,
    )
    app.state.session_factory = session_factory(engine or get_engine())
    app.state.read_session_factory = session_factory(read_engine(engine or get_engine()))
    if housekeeping if housekeeping is not None else (engine is None and settings.housekeeping):
        from smartcustoms.ecommerce.config import get_ecommerce_settings
        from smartcustoms.ecommerce.scheduled import jobs
        from smartcustoms.housekeeping.runner import Housekeeper, Sessions

        keeper.append(Housekeeper(jobs(get_ecommerce_settings()),
                                  Sessions(app.state.session_factory, app.state.read_session_factory)))
    app.state.housekeeper = keeper[0] if keeper else None

    @app.exception_handler(SmartCustomsError)
    async def _platform_error(_request: Request, exc: SmartCustomsError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        # A deadlock or a serialization failure (PostgreSQL SQLSTATE 40P01, 40001), or SQLite still busy after its
        # wait for the writer (SQLITE_BUSY), rolled the request's transaction back, and the same request sent again
        # can succeed: said so, as a 503 to retry, rather than an unexplained 500 (a console page says it in the
        # officer's language). Any other database error is raised on, as before: the server's 500, logged with its
        # trace.
        state = getattr(exc.orig, "sqlstate", None)
        busy = str(getattr(exc.orig, "sqlite_errorname", "")).startswith("SQLITE_BUSY")  # SQLite: busy past its wait
        if state not in ("40P01", "40001") and not busy:
            raise exc  # the server's 500 (_server_error), logged with its trace
        logging.getLogger("smartcustoms.app").warning("%s %s: %s, rolled back", request.method,
                                                      request.url.path, type(exc.orig).__name__)
        if request.url.path.startswith("/console"):
            from smartcustoms.console.auth import lang_of
            from smartcustoms.console.views import render

            page = render(request, "error.html", lang_of(request), {"message_key": "error.database_conflict"}, 503)
            page.headers["Retry-After"] = "1"
            if request.headers.get("hx-request") == "true":
                # A decision posted in place (htmx swaps 2xx and 4xx only, and a 503 from a proxy must not blank
                # the page): 409, with the page's main part put in place of the page's.
                page.status_code = 409
                page.headers.update({"HX-Retarget": "#main", "HX-Reswap": "outerHTML", "HX-Reselect": "#main"})
            return page
        body = SmartCustomsError("the database rolled this request's transaction back to let a concurrent one "
                                 "finish: send it again", [], 503, "database_conflict")
        return JSONResponse(body.to_dict(), status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        # Any error no route handled: Starlette logs it with its trace (and re-raises it to the server and the
        # tests) after sending this answer — the platform's JSON error shape under /api, else a page in both
        # languages (the console, the travellers' pages) with the console's security headers (this runs outside
        # every middleware, so they are set here; the session cannot be read here either).
        if request.url.path.startswith("/api/"):
            return JSONResponse(SmartCustomsError("internal error", [], 500, "internal_error").to_dict(),
                                status_code=500)
        from smartcustoms.console.routes import SECURITY_HEADERS

        return HTMLResponse(_SERVER_ERROR_PAGE, status_code=500,
                            headers={**SECURITY_HEADERS, "cache-control": "no-store"})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Framework errors (unparseable body, unknown path, wrong method) in the platform's error shape;
        # the console's own pages keep their redirects and HTML.
        if exc.status_code < 400 or request.url.path.startswith("/console"):
            return await http_exception_handler(request, exc)
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        field = "body" if exc.status_code == 400 else "path"
        body = SmartCustomsError(str(exc.detail), [FieldError(field, str(exc.detail), code)], exc.status_code, code)
        return JSONResponse(body.to_dict(), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            e = errors[0]
            detail = e.get("ctx", {}).get("error", "malformed JSON")
            body = SmartCustomsError(f"malformed JSON: {detail}", [FieldError("body", f"malformed JSON: {detail}",
                                                                       "malformed_json")], 400, "malformed_json")
            return JSONResponse(body.to_dict(), status_code=400)
        fields = [
            FieldError(_field_path(tuple(e.get("loc", ()))), str(e.get("msg", "invalid")), str(e.get("type", "")))
            for e in errors
        ]
        body = SmartCustomsError("; ".join(f"{f.field}: {f.reason}" for f in fields[:10]), fields, 422,
                                 "validation_failed")
        return JSONResponse(body.to_dict(), status_code=422)

    @app.get("/healthz", tags=["platform"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.include_router(declarations_router)
    app.include_router(officer_router)
    app.include_router(screening_router)
    app.include_router(exports_router)
    app.include_router(exports_console_router)
    app.include_router(exports_officer_router)
    mount_travellers(app)
    mount_payments(app)
    mount_ecommerce(app)
    mount_console(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, streamed_prefixes=STREAMED_PREFIXES)
    app.add_middleware(ReadablePath)
    return app

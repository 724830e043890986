"""Officer web console: login, dashboard, queues, the declaration page and decisions (server-rendered, HTMX)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartcustoms.console import charts, i18n
from smartcustoms.console.auth import (
    FLASH_KEY,
    PREFIX,
    CsrfFailed,
    LoginRequired,
    OfficerDep,
    ReadOfficerDep,
    check_csrf,
    is_supervisor,
    lang_of,
    log_in,
    log_out,
    login_url,
    safe_next,
)
from smartcustoms.console.views import error_view, render
from smartcustoms.declarations import lifecycle, payment, service
from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.deps import ReadSessionDep, SessionDep
from smartcustoms.errors import NotFound, SmartCustomsError
from smartcustoms.identity.models import Officer
from smartcustoms.identity.service import authenticate_officer
from smartcustoms.settings import get_settings

router = APIRouter(prefix=PREFIX, include_in_schema=False)
STATIC_DIR = Path(__file__).parent / "static"
LANES = (1, 2, 3)
PAGE_SIZE = 50
QUEUE_STATUSES = ("open", *lifecycle.STATUSES)
SECURITY_HEADERS = {
    # Every asset is served from here: nothing else may load, frame the console or receive its forms.
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
FormStr = Annotated[str, Form()]


class ConsoleHeaders:
    """Security headers on every console response; pages (not static assets) are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not path.startswith(f"{PREFIX}/static/"):
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_console(app: FastAPI) -> None:
    """Add the console to the app: signed session cookie, local static assets, pages, login redirects."""
    settings = get_settings()
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key, session_cookie="smartcustoms_console",
        max_age=settings.session_max_age_s, path=PREFIX, same_site="lax", https_only=settings.cookies_https_only,
    )
    app.add_middleware(ConsoleHeaders)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.include_router(router)
    # Imported here: the risk pages import this module's helpers.
    from smartcustoms.console.risk_routes import router as risk_router

    app.include_router(risk_router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfFailed, _csrf_failed)


def _is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _login_required(request: Request, exc: Exception) -> Response:
    target = login_url(exc.next_path if isinstance(exc, LoginRequired) else None)
    if _is_htmx(request):
        # htmx follows HX-Redirect with a full page load instead of swapping the login page into a panel.
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _csrf_failed(request: Request, _exc: Exception) -> Response:
    lang = lang_of(request)
    if _is_htmx(request):
        t = partial(i18n.translate, lang)
        html = f'<p class="flash error" role="alert">{Markup.escape(t("error.csrf"))}</p>'
        return HTMLResponse(html, status_code=403, headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
    return render(request, "error.html", lang, {"message_key": "error.csrf"}, status_code=403)


# --- login ------------------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    lang = lang_of(request)
    return render(request, "login.html", lang, {"next": safe_next(next), "error": None, "username": ""})


@router.post("/login")
def login(
    request: Request, session: SessionDep, username: FormStr = "", password: FormStr = "",
    csrf_token: FormStr = "", next: FormStr = "",
) -> Response:
    check_csrf(request, csrf_token)
    lang = lang_of(request)
    officer = authenticate_officer(session, username.strip(), password)
    if officer is None:
        context = {"next": safe_next(next), "error": "login.failed", "username": username}
        return render(request, "login.html", lang, context, status_code=401)
    session.commit()  # keeps a password hash upgraded on login
    log_in(request, officer)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: FormStr = "") -> Response:
    check_csrf(request, csrf_token)
    log_out(request)
    request.session[FLASH_KEY] = {"key": "login.logged_out"}
    return RedirectResponse(login_url(), status_code=303)


# --- dashboard and queues ---------------------------------------------------------------------------------


@router.get("/")
def dashboard(request: Request, session: ReadSessionDep, officer: ReadOfficerDep) -> Response:
    lang = lang_of(request)
    t = partial(i18n.translate, lang)
    counts = service.counts_by_lane_status(session)
    chart = charts.stacked_bars(
        counts, LANES, lifecycle.STATUSES, {n: t(f"lane.{n}") for n in LANES},
        {s: t(f"status.{s}") for s in lifecycle.STATUSES}, title=t("dashboard.chart"),
        desc=t("dashboard.chart_desc"),
    )
    rows = [
        {"lane": n, "cells": [(s, counts.get((n, s), 0)) for s in lifecycle.STATUSES],
         "open": sum(counts.get((n, s), 0) for s in lifecycle.AWAITING_OFFICER),
         "total": sum(v for (lane, _), v in counts.items() if lane == n)}
        for n in LANES
    ]
    # stacked_bars escapes every label itself, so its markup is safe to embed.
    context = {"officer": officer, "chart": Markup(chart),  # noqa: S704
               "rows": rows, "statuses": lifecycle.STATUSES,
               "grand_total": sum(counts.values())}
    return render(request, "dashboard.html", lang, context)


@router.get("/queue")
def queue_page(
    request: Request, session: ReadSessionDep, officer: ReadOfficerDep, lane: str = "", status: str = "",
    page: str = "1",
) -> Response:
    lang = lang_of(request)
    filters_ok = lane in ("", "1", "2", "3") and status in ("", *QUEUE_STATUSES)
    page_no = int(page) if _is_number(page) and 0 < int(page) < 10**6 else 1
    rows: list[ImportDeclaration] = []
    total = 0
    if filters_ok:
        rows, total = service.queue(session, lane=int(lane) if lane else None, status=status or None,
                                    limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    start = (page_no - 1) * PAGE_SIZE + 1 if rows else 0

    def page_url(n: int) -> str:
        return f"{PREFIX}/queue?lane={lane}&status={status}&page={n}"

    context = {
        "officer": officer, "rows": rows, "total": total, "lane": lane, "status": status, "lanes": LANES,
        "statuses": QUEUE_STATUSES, "start": start, "end": start + len(rows) - 1 if rows else 0,
        "prev_url": page_url(page_no - 1) if page_no > 1 else None,
        "next_url": page_url(page_no + 1) if page_no * PAGE_SIZE < total else None,
        "filter_error": None if filters_ok else "error.bad_filter",
    }
    return render(request, "queue.html", lang, context, status_code=200 if filters_ok else 422)


# --- the declaration and decisions ------------------------------------------------------------------------


def _declaration_context(
    session: SessionDep, d: ImportDeclaration, officer: Officer, lang: str,
    error: SmartCustomsError | None = None, form: dict[str, str] | None = None,
) -> dict[str, Any]:
    possible = [a for a in lifecycle.DECISIONS if d.status in lifecycle.ALLOWED_FROM[a]]
    supervisor = is_supervisor(officer)
    return {
        "officer": officer, "d": d, "out": service.to_out(d), "history": service.history(session, d.id),
        "actions": [a for a in possible if a not in lifecycle.SUPERVISOR_DECISIONS or supervisor],
        "supervisor_only_hidden": [a for a in possible if a in lifecycle.SUPERVISOR_DECISIONS and not supervisor],
        "inspection_results": lifecycle.INSPECTION_RESULTS, "lanes": LANES,
        "awaiting_inspection": d.status == lifecycle.AWAITING_INSPECTION,
        "error": error_view(lang, error) if error else None, "form": form or {},
        "panel_flash": None, "payment": payment.payment_view(session, d),
    }


def _not_found(request: Request, lang: str, officer: Officer) -> Response:
    return render(request, "error.html", lang, {"officer": officer, "message_key": "error.not_found"}, 404)


@router.get("/declarations/{declaration_id}")
def declaration_page(
    request: Request, declaration_id: str, session: ReadSessionDep, officer: ReadOfficerDep,
) -> Response:
    lang = lang_of(request)
    try:
        d = service.get(session, declaration_id)
    except NotFound:
        return _not_found(request, lang, officer)
    return render(request, "declaration.html", lang, _declaration_context(session, d, officer, lang))


@router.post("/declarations/{declaration_id}/decisions")
def decide(
    request: Request, declaration_id: str, session: SessionDep, officer: OfficerDep,
    action: FormStr = "", reason: FormStr = "", inspection_result: FormStr = "", findings: FormStr = "",
    lane: FormStr = "", recovered_duty_jpy: FormStr = "", version: FormStr = "", csrf_token: FormStr = "",
) -> Response:
    check_csrf(request, csrf_token)
    lang = lang_of(request)
    page_url = f"{PREFIX}/declarations/{declaration_id}"
    form = {"action": action, "reason": reason, "inspection_result": inspection_result, "findings": findings,
            "lane": lane, "recovered_duty_jpy": recovered_duty_jpy}
    try:
        service.decide(
            session, declaration_id, action=action, reason=reason, officer=officer.username, role=officer.role,
            new_lane=int(lane) if _is_number(lane) else None, inspection_result=inspection_result or None,
            findings=findings or None, recovered_duty_jpy=recovered_duty_jpy.strip() or None,
            seen_version=int(version) if _is_number(version) and len(version) < 10 else None,
        )
        session.commit()
    except SmartCustomsError as exc:
        session.rollback()
        try:
            d = service.get(session, declaration_id)
        except NotFound:
            return _not_found(request, lang, officer)
        context = _declaration_context(session, d, officer, lang, error=exc, form=form)
        template = "_panel.html" if _is_htmx(request) else "declaration.html"
        return render(request, template, lang, context, status_code=exc.status_code, here=page_url)
    flash = {"key": "dec.done", "values": {"action": f"action.{action}"}}
    if not _is_htmx(request):
        request.session[FLASH_KEY] = flash
        return RedirectResponse(page_url, status_code=303)
    d = service.get(session, declaration_id)
    context = _declaration_context(session, d, officer, lang)
    context["panel_flash"] = i18n.translate(lang, "dec.done", action=i18n.translate(lang, f"action.{action}"))
    return render(request, "_panel.html", lang, context, here=page_url)

"""Officer console pages for exports: the list of exports with open hits, one export with its hits, and the forms
that resolve a hit (true match / false positive / licence checked) and decide the export (release / hold / refuse)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import func, select

from smartcustoms.console.auth import FLASH_KEY, OfficerDep, ReadOfficerDep, check_csrf, lang_of
from smartcustoms.console.risk_routes import bar_chart
from smartcustoms.console.views import error_view, render
from smartcustoms.deps import ReadSessionDep, SessionDep
from smartcustoms.errors import NotFound, SmartCustomsError
from smartcustoms.exports import i18n, lifecycle, service
from smartcustoms.exports.models import ExportDeclaration, ExportHit
from smartcustoms.identity.models import Officer

PREFIX = "/console/exports"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE_SIZE = 50
SHOWS = ("open_hits", "waiting", "all")
FormStr = Annotated[str, Form()]


def _open_hits_by_kind(session: SessionDep) -> dict[str, int]:
    rows = session.execute(select(ExportHit.kind, func.count()).where(ExportHit.state == lifecycle.HIT_OPEN)
                           .group_by(ExportHit.kind))
    return {str(k): int(n) for k, n in rows}


@router.get("")
def exports_list(request: Request, session: ReadSessionDep, officer: ReadOfficerDep, show: str = "open_hits",
                 page: str = "1") -> Response:
    lang = lang_of(request)
    t = partial(i18n.translate, lang)
    page_no = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10**6 else 1
    # open_hits: hits to resolve; waiting: every open export (also lane 2 without a hit, inspections, holds); all.
    show = show if show in SHOWS else "open_hits"
    rows, total = service.queue(session, open_hits_only=show == "open_hits",
                                status="open" if show == "waiting" else None,
                                limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    counts = _open_hits_by_kind(session)
    items = [(t(f"ex.hit.kind.{k}"), float(counts.get(k, 0)), str(counts.get(k, 0)))
             for k in ("party", "goods", "destination")]
    chart = bar_chart(items, t("ex.chart"), "export-hits") if any(counts.values()) else ""
    context = {"officer": officer, "t": t, "rows": rows, "total": total, "show": show, "shows": SHOWS,
               "chart": Markup(chart) if chart else None,  # noqa: S704 - bar_chart escapes its labels
               "prev_url": f"{PREFIX}?show={show}&page={page_no - 1}" if page_no > 1 else None,
               "next_url": f"{PREFIX}?show={show}&page={page_no + 1}" if page_no * PAGE_SIZE < total else None}
    return render(request, "exports_list.html", lang, context)


def _context(session: SessionDep, d: ExportDeclaration, officer: Officer, lang: str,
             error: SmartCustomsError | None = None) -> dict[str, Any]:
    states = [h.state for h in d.hits]
    return {
        "officer": officer, "t": partial(i18n.translate, lang), "d": d, "history": service.history(session, d.id),
        "resolutions": {h.id: service.allowed_resolutions(h) for h in d.hits},
        "can_resolve": d.status in lifecycle.ALLOWED_FROM["resolve"],
        "actions": [a for a in lifecycle.DECISIONS if a != "release" and d.status in lifecycle.ALLOWED_FROM[a]],
        "can_release": lifecycle.release_blocker(d.status, states, bool(d.screening.get("problem"))) is None,
        "can_rescreen": bool(d.screening.get("problem")) and d.status in lifecycle.ALLOWED_FROM["rescreen"],
        "release_hint": d.status in lifecycle.ALLOWED_FROM["release"],
        "error": error_view(lang, error) if error else None,
    }


def _page(request: Request, session: SessionDep, officer: Officer, declaration_id: str,
          error: SmartCustomsError | None = None) -> Response:
    lang = lang_of(request)
    try:
        d = service.get(session, declaration_id)
    except NotFound:
        return render(request, "error.html", lang, {"officer": officer, "message_key": "error.not_found"}, 404)
    context = _context(session, d, officer, lang, error)
    flash = request.session.pop(FLASH_KEY, None)
    if isinstance(flash, dict) and str(flash.get("key", "")).startswith("ex."):
        context["flash"] = i18n.translate(lang, flash["key"])
    return render(request, "exports_declaration.html", lang, context,
                  status_code=error.status_code if error else 200, here=f"{PREFIX}/{declaration_id}")


@router.get("/{declaration_id}")
def export_page(request: Request, declaration_id: str, session: ReadSessionDep, officer: ReadOfficerDep) -> Response:
    return _page(request, session, officer, declaration_id)


def _done(request: Request, declaration_id: str) -> Response:
    request.session[FLASH_KEY] = {"key": "ex.done"}
    return RedirectResponse(f"{PREFIX}/{declaration_id}", status_code=303)


@router.post("/{declaration_id}/hits/{hit_id}")
def resolve(request: Request, declaration_id: str, hit_id: int, session: SessionDep, officer: OfficerDep,
            resolution: FormStr = "", reason: FormStr = "", version: FormStr = "",
            csrf_token: FormStr = "") -> Response:
    check_csrf(request, csrf_token)
    try:
        service.resolve_hit(session, declaration_id, hit_id, resolution=resolution, reason=reason,
                            officer=officer.username, seen_version=service.form_version(version))
        session.commit()
    except SmartCustomsError as exc:
        session.rollback()
        return _page(request, session, officer, declaration_id, exc)
    return _done(request, declaration_id)


@router.post("/{declaration_id}/decisions")
def decide(request: Request, declaration_id: str, session: SessionDep, officer: OfficerDep,
           action: FormStr = "", reason: FormStr = "", version: FormStr = "", csrf_token: FormStr = "") -> Response:
    check_csrf(request, csrf_token)
    try:
        service.decide(session, declaration_id, action=action, reason=reason, officer=officer.username,
                       seen_version=service.form_version(version))
        session.commit()
    except SmartCustomsError as exc:
        session.rollback()
        return _page(request, session, officer, declaration_id, exc)
    return _done(request, declaration_id)


@router.post("/{declaration_id}/rescreen")
def rescreen(request: Request, declaration_id: str, session: SessionDep, officer: OfficerDep,
             csrf_token: FormStr = "") -> Response:
    check_csrf(request, csrf_token)
    try:
        service.rescreen(session, declaration_id, officer=officer.username)
        session.commit()
    except SmartCustomsError as exc:
        session.rollback()
        return _page(request, session, officer, declaration_id, exc)
    return _done(request, declaration_id)

"""Officer console pages for the passenger counter: find a declaration, adjust it, issue its payment order."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from smartcustoms.console.auth import FLASH_KEY, OfficerDep, check_csrf, csrf_token, lang_of
from smartcustoms.console.views import lang_links
from smartcustoms.deps import SessionDep
from smartcustoms.errors import SmartCustomsError
from smartcustoms.identity.models import Officer
from smartcustoms.travellers import counter, i18n, service, web
from smartcustoms.travellers.models import GateDecision, PassengerDeclaration
from smartcustoms.travellers.schemas import GoodsIn
from smartcustoms.travellers.tables import ALCOHOL_KINDS

PREFIX = "/console/travellers"
router = APIRouter(prefix=PREFIX, include_in_schema=False)


def render(request: Request, name: str, lang: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A counter page inside the console's frame (base.html), with traveller labels over the console's."""
    t = partial(i18n.translate, lang)
    flash = request.session.pop(FLASH_KEY, None)
    ctx: dict[str, Any] = {
        "lang": lang, "t": t, "csrf_token": csrf_token(request), "lang_links": lang_links(request),
        "flash": t(flash["key"]) if isinstance(flash, dict) and "key" in flash else None, **context,
    }
    return web.templates.TemplateResponse(request, name, ctx, status_code=status_code)


@router.get("")
def list_page(request: Request, session: SessionDep, officer: OfficerDep, q: str = "") -> Response:
    lang = lang_of(request)
    rows = service.find(session, q[:4000])
    if q.strip() and len(rows) == 1:
        return RedirectResponse(f"{PREFIX}/{rows[0].id}", status_code=303)
    return render(request, "counter_list.html", lang, {"officer": officer, "rows": rows, "q": q})


def _prefill(d: PassengerDeclaration) -> dict[str, str]:
    """The adjust form filled with what is on record (the officer's last adjustment, else the declaration)."""
    goods = (d.adjustment or {}).get("goods") or d.content["goods"]
    form: dict[str, str] = {}
    for a in goods.get("alcohol", []):
        key = f"alc_{a['kind']}"
        form[key] = str(int(form.get(key, "0")) + int(a["bottles"]))
    if goods.get("alcohol_bottles"):
        form["alc_other"] = str(int(form.get("alc_other", "0")) + int(goods["alcohol_bottles"]))
    for k in (*web.TOBACCO_FIELDS, "perfume_ml", "perfume_value_jpy"):
        if goods.get(k):
            form[k] = str(goods[k])
    for i, g in enumerate(goods.get("other_goods", [])):
        form.update({f"og{i}_description": g["description"], f"og{i}_value": str(g["value_jpy"]),
                     f"og{i}_quantity": str(g.get("quantity", 1)), f"og{i}_currency": "JPY"})
    return form


def _detail(request: Request, session: Any, officer: Officer, d: PassengerDeclaration, lang: str,
            error: SmartCustomsError | None = None, form: dict[str, str] | None = None,
            status_code: int = 200) -> HTMLResponse:
    order = counter.payment_order(session, d)
    decisions = session.scalars(select(GateDecision).where(GateDecision.declaration_id == d.id)
                                .order_by(GateDecision.decided_at)).all()
    form = form if form is not None else _prefill(d)
    n_rows = max(len([k for k in form if k.endswith("_description")]) + 2, 4)
    return render(request, "counter_detail.html", lang, {
        "officer": officer, "d": d, "order": order, "decisions": decisions, "form": form, "goods_rows": range(n_rows),
        "alcohol_kinds": ALCOHOL_KINDS, "tobacco_fields": web.TOBACCO_FIELDS, "currencies": web.CURRENCIES,
        "tax_due": counter.tax_due(d), "error": error, "goods": d.content["goods"],
        "error_fields": {e.field for e in error.errors} if error else set(),
    }, status_code=status_code)


@router.get("/{declaration_id}")
def detail_page(declaration_id: str, request: Request, session: SessionDep, officer: OfficerDep) -> Response:
    lang = lang_of(request)
    d = service.get(session, declaration_id[:40])
    response = _detail(request, session, officer, d, lang)
    session.commit()  # keeps a payment status refreshed from the payments domain
    return response


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _done(request: Request, d: PassengerDeclaration, key: str) -> Response:
    request.session[FLASH_KEY] = {"key": key}
    return RedirectResponse(f"{PREFIX}/{d.id}", status_code=303)


@router.post("/{declaration_id}/adjust")
async def adjust(declaration_id: str, request: Request, session: SessionDep, officer: OfficerDep) -> Response:
    form = await _form(request)
    check_csrf(request, form.get("csrf_token"))
    lang = lang_of(request)
    d = service.get(session, declaration_id[:40])
    try:
        goods = GoodsIn.model_validate(web.form_to_body(form)["goods"])
        counter.adjust(session, d, goods, [], form.get("reason", "")[:1000], officer.username)
    except ValidationError as exc:
        from smartcustoms.errors import ValidationFailed

        err = ValidationFailed(web._errors(exc))
        session.rollback()
        return _detail(request, session, officer, d, lang, err, form, 422)
    except SmartCustomsError as exc:
        session.rollback()
        return _detail(request, session, officer, d, lang, exc, form, exc.status_code)
    session.commit()
    return _done(request, d, "c.flash.adjusted")


@router.post("/{declaration_id}/payment-order")
async def payment_order(declaration_id: str, request: Request, session: SessionDep, officer: OfficerDep) -> Response:
    form = await _form(request)
    check_csrf(request, form.get("csrf_token"))
    lang = lang_of(request)
    d = service.get(session, declaration_id[:40])
    try:
        counter.issue_payment_order(session, d, officer.username)
    except SmartCustomsError as exc:
        session.rollback()
        return _detail(request, session, officer, d, lang, exc, None, exc.status_code)
    session.commit()
    return _done(request, d, "c.flash.ordered")


@router.post("/{declaration_id}/release")
async def release(declaration_id: str, request: Request, session: SessionDep, officer: OfficerDep) -> Response:
    form = await _form(request)
    check_csrf(request, form.get("csrf_token"))
    lang = lang_of(request)
    d = service.get(session, declaration_id[:40])
    try:
        counter.release(session, d, officer.username)
    except SmartCustomsError as exc:
        session.rollback()
        return _detail(request, session, officer, d, lang, exc, None, exc.status_code)
    session.commit()
    return _done(request, d, "c.flash.released")

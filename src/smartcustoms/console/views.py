"""Rendering for the console: the Jinja environment, display formats (yen, rates, JST times), page context."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from smartcustoms.console import i18n
from smartcustoms.console.auth import FLASH_KEY, csrf_token
from smartcustoms.console.charts import contribution_bars
from smartcustoms.errors import FieldError, SmartCustomsError
from smartcustoms.tariff import notes as tariff_notes

JST = ZoneInfo("Asia/Tokyo")
NONE = "—"


def fmt_yen(value: object) -> str:
    """¥1,234,567 (integer yen with thousands separators); a dash when absent."""
    if value is None or value == "" or isinstance(value, bool):
        return NONE
    try:
        return f"¥{int(str(value)):,}"
    except ValueError:
        return str(value)


def fmt_number(value: object) -> str:
    """A decimal quantity without trailing zeros, thousands separated (1,200.5)."""
    if value is None or value == "":
        return NONE
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{d.normalize():,f}"


def fmt_pct(value: object) -> str:
    """A fraction as a percentage: '0.109' -> '10.9%'."""
    if value is None or value == "":
        return NONE
    try:
        pct = Decimal(str(value)) * 100
    except InvalidOperation:
        return str(value)
    return f"{pct.normalize():f}%" if pct else "0%"


def fmt_rate(rate: object) -> str:
    """A stored duty rate (ad valorem, specific or compound) as text: '14%', '¥400/KGM', '5% + ¥10/KGM'."""
    if isinstance(rate, dict):
        parts = []
        if rate.get("ad_valorem") not in (None, ""):
            parts.append(fmt_pct(rate["ad_valorem"]))
        if rate.get("specific_jpy") not in (None, ""):
            parts.append(f"¥{fmt_number(rate['specific_jpy'])}/{rate.get('specific_unit') or ''}")
        return " + ".join(parts) or NONE
    return fmt_pct(rate)


def fmt_dt(value: object) -> str:
    """A moment in Japan time: 2026-11-22 12:06 JST."""
    if value is None or value == "":
        return NONE
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return value.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters.update(yen=fmt_yen, number=fmt_number, pct=fmt_pct, rate=fmt_rate, dt=fmt_dt,
                             note=tariff_notes.say)  # an assessment's note in the page's language
templates.env.globals.update(NONE=NONE, contribution_chart=contribution_bars)


def lang_links(request: Request, path: str | None = None) -> list[tuple[str, str]]:
    """Links to the same page in each language (the current query kept, ?lang replaced)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] if path is None else []
    base = path or request.url.path
    return [(code, f"{base}?{urlencode([*query, ('lang', code)])}") for code in i18n.LANGS]


FIELD_LABELS = {"reason": "dec.reason", "inspection_result": "dec.inspection_result", "findings": "dec.findings",
                "lane": "dec.new_lane", "status": "fact.status", "action": "col.action"}


def error_view(lang: str, exc: SmartCustomsError,
               own: Callable[[FieldError], tuple[str, str] | None] | None = None) -> dict[str, Any]:
    """A platform error in the officer's language: a headline and one line per field, the service text kept.

    `own`: a page's own (label, message) for a field it names in its own words (None: the shared wording, whose
    labels are the declarations')."""
    t = partial(i18n.translate, lang)
    codes = [exc.code] + [e.code for e in exc.errors]
    headline = t(next((f"error.{c}" for c in reversed(codes) if i18n.has(f"error.{c}")), "error.bad_request"))
    fields = []
    for e in exc.errors:
        mine = own(e) if own is not None else None
        if mine is not None:
            fields.append({"field": e.field, "label": mine[0], "message": mine[1]})
            continue
        key = f"error.{e.code}" if i18n.has(f"error.{e.code}") else f"error.field.{e.field}"
        message = t(key) if i18n.has(key) else e.reason
        if message != headline:
            label = t(FIELD_LABELS[e.field]) if e.field in FIELD_LABELS else e.field
            fields.append({"field": e.field, "label": label, "message": message})
    return {"headline": headline, "detail": exc.message, "fields": fields,
            "field_names": {e.field for e in exc.errors}}


def render(
    request: Request, name: str, lang: str, context: dict[str, Any], status_code: int = 200,
    here: str | None = None,
) -> HTMLResponse:
    """Render a console template with the language, labels, CSRF token, language links and any flash message."""
    t = partial(i18n.translate, lang)
    flash = request.session.pop(FLASH_KEY, None)
    ctx: dict[str, Any] = {
        "lang": lang, "t": t, "csrf_token": csrf_token(request), "lang_links": lang_links(request, here),
        "flash": t(flash["key"], **{k: t(v) for k, v in flash.get("values", {}).items()})
        if isinstance(flash, dict) and "key" in flash else None,
        "officer": None,
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)

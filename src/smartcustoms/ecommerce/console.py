"""Officer console pages for e-commerce consignments: aggregates with a chart, lists, a consignment page, actions."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from smartcustoms.audit import service as audit
from smartcustoms.console import views
from smartcustoms.console.auth import FLASH_KEY, OfficerDep, ReadOfficerDep, check_csrf, csrf_token, lang_of
from smartcustoms.console.risk_routes import bar_chart
from smartcustoms.console.views import JST
from smartcustoms.deps import ReadSessionDep, SessionDep
from smartcustoms.ecommerce import bandchart, hitrate, i18n, lifecycle, officer, reasons, scheduled, valueref_service
from smartcustoms.ecommerce.config import get_ecommerce_settings
from smartcustoms.errors import FieldError, NotFound, SmartCustomsError, ValidationFailed

PREFIX = "/console/ecommerce"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE = 100
FormStr = Annotated[str, Form()]

_console_dir = Path(views.__file__).parent / "templates"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.loader = ChoiceLoader([FileSystemLoader(str(Path(__file__).parent / "templates")),
                                     FileSystemLoader(str(_console_dir))])
templates.env.filters.update(views.templates.env.filters)
templates.env.globals.update(views.templates.env.globals)


def _render(request: Request, name: str, lang: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    t = partial(i18n.translate, lang)
    flash = request.session.pop(FLASH_KEY, None)
    ctx: dict[str, Any] = {
        "lang": lang, "t": t, "csrf_token": csrf_token(request), "lang_links": views.lang_links(request),
        "flash": _flash(t, flash),
        "statuses": lifecycle.STATUSES, "actions": list(lifecycle.ACTIONS), **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def _flash(t: Any, flash: Any) -> str | None:
    if not isinstance(flash, dict) or "key" not in flash:
        return None
    text = str(t(flash["key"], **flash.get("values", {})))
    if flash.get("outdated"):
        text += t("ec.outdated", outdated=flash["outdated"])
    return text


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in officer.FILTERS if request.query_params.get(k)}


def _error(request: Request, lang: str, who: Any, exc: SmartCustomsError, reading: bool = False) -> HTMLResponse:
    """The console's error page. The shared wording speaks of declarations and decisions; a consignment not found,
    or a refused filter or page number on a page that only reads, is said in the e-commerce pages' own words."""
    t = partial(i18n.translate, lang)

    def own(e: FieldError) -> tuple[str, str] | None:  # the filters' own labels and messages, in both languages
        if e.field in _OWN_FIELDS:
            return t(f"ec.col.{e.field}"), t(f"ec.bad.{e.field}")
        field = e.field.partition(".")[0]  # seen.<id>
        text = field in _TEXT_FIELDS or field == "reason"
        key = "ec.bad.text.invalid" if (text and e.code == "invalid") else f"ec.bad.{field}.{e.code}"
        if key not in i18n.EN:
            return None
        return t(f"ec.col.{field}"), t(key, cap=f"{get_ecommerce_settings().max_bulk_action:,}",
                                       detail=e.reason.partition(": ")[2])

    view = views.error_view(lang, exc, own)
    # The service's own (English) text stays on the page unless every field line says it in the page's words.
    view["said"] = bool(exc.errors) and all(own(e) is not None for e in exc.errors)
    if isinstance(exc, NotFound):
        view["headline"] = t("ec.not_found")
        view["said"] = True  # the headline says it in the page's words
    elif reading:
        view["headline"] = t("ec.bad_filter")
    return _render(request, "ec_error.html", lang, {"officer": who, "error": view}, status_code=exc.status_code)


# Fields of the e-commerce pages whose errors the shared (declaration) wording would misname.
_OWN_FIELDS = ("lane", "status", "group", "page", "hs6", "days")
# Text filters and the selection: their errors in the pages' own words, by code (`ec.bad.<field>.<code>`).
_TEXT_FIELDS = ("manifest", "platform", "seller", "consignee", "split_group", "ids")


def _event(lang: str, entry: Any) -> dict[str, Any]:
    """An audited event of a consignment as its page shows it: the decision in the officer's words, the status it
    led to and the reason given."""
    data = orjson.loads(entry.payload) if entry.payload else {}
    kind = entry.action.removeprefix("ecommerce.")
    to = data.get("to_status") if isinstance(data, dict) else None
    found = data.get("inspection_result") if isinstance(data, dict) else None
    return {"at": entry.at, "actor": entry.actor,
            "action": i18n.translate(lang, f"ec.action.{kind}") if kind in lifecycle.ACTIONS else entry.action,
            "to": i18n.translate(lang, f"ec.status.{to}") if to in lifecycle.STATUSES else None,
            "result": i18n.translate(lang, f"ec.result.{found}") if found in lifecycle.INSPECTION_RESULTS else None,
            "reason": data.get("reason") if isinstance(data, dict) else None}


def _page(value: str) -> int:
    """A page number from the query: 1 when absent, brought within 1 to 1,000,000; what is not a whole number
    is a 422 naming `page` on the console's error page (as the filters' errors), not the API's JSON."""
    text = value.strip()
    sign, digits = (text[0], text[1:]) if text[:1] in ("-", "+") else ("", text)
    if not digits:
        return 1
    if not (digits.isascii() and digits.isdigit()):
        raise ValidationFailed([FieldError("page", "a whole page number (1, 2, ...)", "invalid")])
    digits = digits.lstrip("0")[:9] or "0"  # 9 digits are beyond the bounds already (and int() of any length is not)
    return max(1, min(int(sign + digits), 10**6))


@router.get("")
def overview(request: Request, session: ReadSessionDep, who: ReadOfficerDep, group: str = "manifest") -> Response:
    """Consignments per manifest, platform or seller, most open first, with a chart of the open ones."""
    lang = lang_of(request)
    t = partial(i18n.translate, lang)
    filters = _filters(request)
    try:
        rows = officer.groups(session, group, filters)
    except SmartCustomsError as exc:
        return _error(request, lang, who, exc, reading=True)
    items = [(r.label if group != "manifest" else r.key, float(r.open), f"{r.open:,}") for r in rows[:10] if r.open]
    chart = Markup(bar_chart(items, t("ec.chart"), "ec-chart")) if items else None  # noqa: S704 - escapes labels
    param = {"manifest": "manifest", "platform": "platform", "seller": "seller"}[group]
    # A row's links open the list its counts were made from: the overview's filters and the row's key (the "open"
    # column: its open consignments, or those of the status filtered on).
    rest = {k: v for k, v in filters.items() if k != param}
    status = rest.get("status", "open")
    links = {r.key: (f"{PREFIX}/consignments?{urlencode({**rest, param: r.key})}",
                     # Released ones are never open: the column's 0 opens no list of them.
                     f"{PREFIX}/consignments?{urlencode({**rest, param: r.key, 'status': status})}"
                     if status != lifecycle.RELEASED else None)
             for r in rows}
    return _render(request, "ec_overview.html", lang, {
        "officer": who, "group": group, "rows": rows, "chart": chart, "totals": officer.totals(session),
        "manifests": officer.recent_manifests(session), "filters": filters, "links": links,
        "clear_url": f"{PREFIX}?{urlencode({'group': group})}",
    })


@router.get("/consignments")
def consignment_list(request: Request, session: ReadSessionDep, who: ReadOfficerDep, page: str = "1") -> Response:
    """A filtered page of consignments with bulk decisions."""
    lang = lang_of(request)
    filters = _filters(request)
    try:
        number = _page(page)
        rows, total = officer.consignments(session, filters, PAGE, (number - 1) * PAGE)
    except SmartCustomsError as exc:
        return _error(request, lang, who, exc, reading=True)

    def page_url(n: int) -> str:
        return f"{PREFIX}/consignments?{urlencode({**filters, 'page': n})}"

    last = max(1, -(-total // PAGE))
    if not rows and number > last:  # past the end (the last page's rows were just decided): its last page
        return RedirectResponse(page_url(last), status_code=303)

    return _render(request, "ec_list.html", lang, {
        "officer": who, "rows": rows, "total": total, "filters": filters,
        "start": (number - 1) * PAGE + 1 if rows else 0,
        "end": (number - 1) * PAGE + len(rows), "prev_url": page_url(number - 1) if number > 1 else None,
        "next_url": page_url(number + 1) if number * PAGE < total else None,
        "cap": get_ecommerce_settings().max_bulk_action,
        "back": f"{PREFIX}/consignments?{urlencode({**filters, 'page': number})}",
    })


@router.get("/consignments/{consignment_id}")
def consignment_page(request: Request, consignment_id: str, session: ReadSessionDep, who: ReadOfficerDep) -> Response:
    """One consignment: parties, goods, assessment, lane reasons, split group, history; decisions."""
    lang = lang_of(request)
    try:
        c = officer.get(session, consignment_id)
    except NotFound as exc:
        return _error(request, lang, who, exc)
    members, more_members = officer.split_members(session, c.split_group) if c.split_group else ([], False)
    view = officer.view(c)
    view["lane_reasons"] = [reasons.shown(r, lang) for r in view["lane_reasons"]]
    return _render(request, "ec_consignment.html", lang, {
        "officer": who, "c": c, **view, "pending": lifecycle.pending_inspection(c.lane, c.inspection_result),
        "members": members, "more_members": more_members,
        "history": [_event(lang, e) for e in audit.history(session, "ecommerce_consignment", c.id)],
        "back": f"{PREFIX}/consignments/{c.id}",
    })


@router.get("/inspections")
def inspections(request: Request, session: ReadSessionDep, who: ReadOfficerDep, days: str = "") -> Response:
    """The hit rates of the inspections: per selection, the share of the parcels it sent to inspection found with a
    discrepancy, against the random sample's (the baseline), as a chart and a table."""
    lang = lang_of(request)
    t = partial(i18n.translate, lang)
    try:
        window = officer.inspection_days(days)
    except SmartCustomsError as exc:
        return _error(request, lang, who, exc, reading=True)
    rates = officer.inspection_results(session, window)

    def name(r: hitrate.HitRow) -> str:
        if r.key == hitrate.ORDER:
            return str(t("ec.insp.order"))
        label = str(reasons.shown(r.reason, lang).get("profile") if r.reason else r.key[2])
        return f"{label} ({t('ec.insp.random')})" if r.baseline else label

    rows = [{"name": name(r), "inspected": r.inspected, "discrepancies": r.discrepancies,
             "rate": f"{r.rate:.1%}", "interval": "{:.1%} – {:.1%}".format(*r.interval), "baseline": r.baseline,
             "against": None if rates.baseline is None or r.baseline else hitrate.against(r, rates.baseline)}
            for r in rates.rows]
    items = [(str(row["name"]), r.rate * 100, f"{row['rate']} ({r.discrepancies:,}/{r.inspected:,})")
             for row, r in zip(rows, rates.rows, strict=True)][:15]
    chart = Markup(bar_chart(items, t("ec.insp.chart"), "ec-insp", peak=100.0)) if items else None  # noqa: S704
    return _render(request, "ec_inspections.html", lang, {
        "officer": who, "days": window, "rows": rows, "chart": chart, "inspected": rates.inspected,
        "discrepancies": rates.discrepancies, "rate": f"{rates.rate:.1%}",
        "baseline": f"{rates.baseline.rate:.1%}" if rates.baseline else None})


# The value references a daily refresh keeps: older than this, the page says the refresh has stopped (the intake
# still uses them: an old band is a better judge than none, and switching the signal off silently would be worse).
STALE_AFTER_DAYS = 7
BANDS_SHOWN, BANDS_CHARTED = 500, 25


def _hs_prefix(value: str) -> str:
    text = value.strip()
    if text and not (text.isascii() and text.isdigit() and 2 <= len(text) <= 6):
        raise ValidationFailed([FieldError("hs6", "2 to 6 digits of an HS code", "invalid")])
    return text


@router.get("/value-refs")
def value_refs(request: Request, session: ReadSessionDep, who: ReadOfficerDep, hs6: str = "") -> Response:
    """The value references the undervaluation signal uses: a band chart and a table, filtered by HS prefix."""
    lang = lang_of(request)
    t = partial(i18n.translate, lang)
    try:
        prefix = _hs_prefix(hs6)
    except SmartCustomsError as exc:
        return _error(request, lang, who, exc, reading=True)
    cut = get_ecommerce_settings().undervaluation_z
    stored = valueref_service.stored_window(session)
    window, stale, rows, chart, total = None, 0, [], None, 0
    if stored is not None:
        first, last, at, count = stored
        window = {"first": first.isoformat(), "last": last.isoformat(), "at": at, "bands": count}
        age = (datetime.now(JST).date() - last).days
        stale = age if age > STALE_AFTER_DAYS else 0
        bands = sorted((b for b in valueref_service.load_bands(session).values() if b.hs6.startswith(prefix)),
                       key=lambda b: (b.hs6, b.unit))
        total = len(bands)
        rows = [{"hs6": b.hs6, "unit": b.unit, "seen": b.lines_seen, "sample": b.lines,
                 "median": bandchart.yen(b.median_yen), "cut": bandchart.yen(b.cut_jpy(cut)),
                 "spread": f"{b.spread:.3f}"} for b in bands[:BANDS_SHOWN]]
        charted = sorted(bands, key=lambda b: (-b.lines_seen, b.hs6, b.unit))[:BANDS_CHARTED]
        charted.sort(key=lambda b: (b.hs6, b.unit))
        legend = (t("ec.vr.legend.cut"), t("ec.vr.legend.band"), t("ec.vr.legend.median"))
        svg = bandchart.band_chart(charted, cut, t("ec.vr.chart"), legend)
        chart = Markup(svg) if svg else None  # noqa: S704 - the chart escapes its labels
    return _render(request, "ec_valuerefs.html", lang, {
        "officer": who, "window": window, "stale_days": stale, "rows": rows, "total": total, "chart": chart,
        "hs6": prefix, "cut": cut, "schedule": scheduled.refresh_schedule(session)})


@router.post("/actions")
def bulk_action(
    request: Request, session: SessionDep, who: OfficerDep, action: FormStr = "", reason: FormStr = "",
    scope: FormStr = "selected", back: FormStr = "", csrf_token: FormStr = "",
    ids: Annotated[list[str] | None, Form()] = None,
    seen: Annotated[list[str] | None, Form(description="`<id>:<status>:<lane>` of each row as the page showed "
                                                       "it")] = None,
    inspection_result: FormStr = "",
) -> Response:
    """Release, order inspection of, or hold the selected consignments (or all matching the filter); audited.

    Each row of the page sends the status and lane it was shown in: a selected consignment whose state has changed
    since (another officer held it, say) is not decided, and the officer is told."""
    check_csrf(request, csrf_token)
    lang = lang_of(request)
    form = {k: v for k, v in request.query_params.items() if k in officer.FILTERS and v}
    shown = {}  # id → "status:lane" (the id may hold ":" itself: the state is its last two parts)
    for x in seen or []:
        head, _, lane = x.rpartition(":")
        cid, _, status = head.rpartition(":")
        if cid:
            shown[cid] = f"{status}:{lane}"
    try:
        outcome = officer.act(session, action=action, reason=reason, officer=who.username,
                              ids=ids if scope != "all" else None, filters=form if scope == "all" else None,
                              seen=shown if scope != "all" else None,
                              inspection_result=inspection_result.strip() or None)
        session.commit()
    except SmartCustomsError as exc:
        session.rollback()
        return _error(request, lang, who, exc)
    # On all matching, only the consignments the action applies to are taken: none is skipped for its status.
    key = "ec.done" if scope != "all" else "ec.done_all_more" if outcome.more else "ec.done_all"
    request.session[FLASH_KEY] = {"key": key, "values": {"done": outcome.done,
                                                         "skipped": outcome.skipped - outcome.outdated},
                                  "outdated": outcome.outdated}
    target = back if back.startswith(f"{PREFIX}") and "//" not in back else PREFIX
    return RedirectResponse(target, status_code=303)

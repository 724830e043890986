"""Officer pages for the risk lists: audit candidates, undervaluation signals, inspection candidates, with CSV."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from html import escape
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from smartcustoms.console import risk_i18n
from smartcustoms.console.auth import ReadOfficerDep, lang_of
from smartcustoms.console.views import render
from smartcustoms.deps import ReadSessionDep
from smartcustoms.identity.models import Officer
from smartcustoms.risk import csvout, lists_service
from smartcustoms.risk.lists import AuditCandidate, InspectionCandidate, UndervaluationSignal

PREFIX = "/console/risk"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
JST = ZoneInfo("Asia/Tokyo")
PAGE_ROWS = 200  # the page shows the head of the list; the CSV carries all of it
CHART_ROWS = 10
MAX_SPAN_DAYS = 5 * 366  # duty can be corrected for five years after import (Customs Act art. 14)
MIN_REFERENCE = 5
DEFAULT_DAYS = {"audit": 365, "under": 90, "insp": 30}

LABEL_W, BAR_W, VALUE_W, ROW_H, GAP = 260, 420, 110, 24, 8


def bar_chart(items: Sequence[tuple[str, float, str]], title: str, id_prefix: str, peak: float = 0.0) -> str:
    """A horizontal SVG bar chart of (label, value, value text), scaled to `peak` or the largest; labels escaped."""
    peak = max([peak, *(v for _, v, _ in items)]) or 1.0
    width, height = LABEL_W + BAR_W + VALUE_W, 8 + len(items) * (ROW_H + GAP)
    tid = f"{id_prefix}-title"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" aria-labelledby="{tid}"><title id="{tid}">{escape(title)}</title>']
    for i, (label, value, text) in enumerate(items):
        y = 4 + i * (ROW_H + GAP)
        w = BAR_W * max(value, 0.0) / peak
        short = label if len(label) <= 36 else label[:35] + "…"
        out.append(f'<g class="bar"><text x="{LABEL_W - 8}" y="{y + ROW_H / 2 + 5:g}" text-anchor="end" '
                   f'class="bar-label">{escape(short)}</text>'
                   f'<rect x="{LABEL_W}" y="{y}" width="{max(w, 1):.1f}" height="{ROW_H}" fill="#0072B2">'
                   f'<title>{escape(label)}: {escape(text)}</title></rect>'
                   f'<text x="{LABEL_W + w + 6:.1f}" y="{y + ROW_H / 2 + 5:g}" class="bar-total">{escape(text)}</text>'
                   f"</g>")
    out.append("</svg>")
    return "".join(out)


def _today() -> date:
    return datetime.now(JST).date()


def _period(start: str, end: str, default_days: int) -> tuple[date, date] | None:
    """The period asked for (default: the last `default_days` days to today, Japan time); None if malformed."""
    try:
        last = date.fromisoformat(end) if end else _today()
        first = date.fromisoformat(start) if start else last - timedelta(days=default_days - 1)
    except ValueError:
        return None
    if first > last or (last - first).days > MAX_SPAN_DAYS:
        return None
    return first, last


def _csv(name: str, first: date, last: date, row_type: type[Any], rows: Sequence[Any]) -> Response:
    filename = f"{name}_{first.isoformat()}_{last.isoformat()}.csv"
    return Response(csvout.to_bytes(row_type, rows), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _page(
    request: Request, officer: Officer, *, kind: str, name: str, template: str, start: str, end: str,
    fmt: str, row_type: type[Any], fetch: Callable[[date, date], Sequence[Any]],
    chart: Callable[[Sequence[Any], Callable[..., str]], str],
) -> Response:
    """One list page: parse the period, fetch, then either the CSV or the page with its chart."""
    lang = lang_of(request)
    t = partial(risk_i18n.translate, lang)
    period = _period(start, end, DEFAULT_DAYS[kind])
    rows: Sequence[Any] = []
    if period is not None:
        rows = fetch(*period)
        if fmt == "csv":
            return _csv(name, *period, row_type, rows)
    first, last = period or (None, None)
    query = {"start": first.isoformat(), "end": last.isoformat()} if first and last else {}
    context = {
        "officer": officer, "t": t, "rows": rows[:PAGE_ROWS], "total": len(rows), "kind": kind,
        "start": first.isoformat() if first else start, "end": last.isoformat() if last else end,
        "action": f"{PREFIX}/{name}", "csv_url": f"{PREFIX}/{name}?{urlencode({**query, 'format': 'csv'})}",
        "period_error": period is None, "min_reference": MIN_REFERENCE,
        # bar_chart escapes every label itself, so its markup is safe to embed.
        "chart": Markup(chart(rows[:CHART_ROWS], t)) if rows else None,  # noqa: S704
    }
    return render(request, template, lang, context, status_code=200 if period else 422)


def _audit_chart(rows: Sequence[AuditCandidate], t: Callable[..., str]) -> str:
    items = [(f"{r.importer_name} ({r.importer_code})", float(r.expected_recoverable_jpy),
              f"¥{r.expected_recoverable_jpy:,}") for r in rows]
    return bar_chart(items, t("rl.audit.chart"), "audit-chart")


def _under_chart(rows: Sequence[UndervaluationSignal], t: Callable[..., str]) -> str:
    items = [(f"{r.declaration_id[:8]}/{r.line_no} {r.hs6} {r.origin_country}", r.ratio_to_median,
              f"{r.ratio_to_median:.0%}") for r in rows]
    # Scaled to the median (100%), so a short bar reads as far below the reference at a glance.
    return bar_chart(items, t("rl.under.chart"), "under-chart", peak=1.0)


def _insp_chart(rows: Sequence[InspectionCandidate], t: Callable[..., str]) -> str:
    items = [(f"{r.declaration_id[:8]} {r.importer_name}", float(r.priority_jpy or 0), f"¥{r.priority_jpy or 0:,}")
             for r in rows if r.priority_jpy is not None]
    return bar_chart(items, t("rl.insp.chart"), "insp-chart") if items else ""


@router.get("/audit-candidates")
def audit_candidates_page(
    request: Request, session: ReadSessionDep, officer: ReadOfficerDep, start: str = "", end: str = "",
    format: str = "",
) -> Response:
    return _page(request, officer, kind="audit", name="audit-candidates", template="risk_audit.html", start=start,
                 end=end, fmt=format, row_type=AuditCandidate,
                 fetch=partial(lists_service.audit_candidates, session), chart=_audit_chart)


@router.get("/undervaluation")
def undervaluation_page(
    request: Request, session: ReadSessionDep, officer: ReadOfficerDep, start: str = "", end: str = "",
    format: str = "",
) -> Response:
    return _page(request, officer, kind="under", name="undervaluation", template="risk_undervaluation.html",
                 start=start, end=end, fmt=format, row_type=UndervaluationSignal,
                 fetch=partial(lists_service.undervaluation_signals, session, min_reference=MIN_REFERENCE),
                 chart=_under_chart)


@router.get("/inspection-candidates")
def inspection_candidates_page(
    request: Request, session: ReadSessionDep, officer: ReadOfficerDep, start: str = "", end: str = "",
    format: str = "",
) -> Response:
    return _page(request, officer, kind="insp", name="inspection-candidates", template="risk_inspection.html",
                 start=start, end=end, fmt=format, row_type=InspectionCandidate,
                 fetch=partial(lists_service.inspection_candidates, session), chart=_insp_chart)

"""Officer console pages for payments (orders, cancel/refund, daily reconciliation) and means-of-payment
declarations, plus the public ja/en filing page of a means-of-payment declaration."""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from smartcustoms.console.auth import OfficerDep, ReadOfficerDep, check_csrf, is_supervisor, lang_of
from smartcustoms.console.risk_routes import bar_chart
from smartcustoms.console.views import error_view, render, templates
from smartcustoms.db import utcnow
from smartcustoms.deps import ReadSessionDep, SessionDep
from smartcustoms.errors import Conflict, FieldError, NotFound, SmartCustomsError, ValidationFailed
from smartcustoms.meansofpayment import rules as mop_rules
from smartcustoms.meansofpayment import service as mop
from smartcustoms.meansofpayment.schemas import MeansOfPaymentIn
from smartcustoms.payments import agent_client, protocol, reconcile, service
from smartcustoms.payments import i18n as pi18n
from smartcustoms.payments.models import ReconciliationRun, RefundRequest

router = APIRouter(prefix="/console", include_in_schema=False)
public_router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]
PAGE = 200
MAX_FILE_BYTES = 20 * 1024 * 1024
FLAG_CODES = ("structuring", "route_risk", "watchlist")


def _t(lang: str) -> Any:
    return partial(pi18n.translate, lang)


def _page(request: Request, name: str, officer: Any, context: dict[str, Any], status: int = 200,
          here: str | None = None) -> Response:
    lang = lang_of(request)
    return render(request, name, lang, {"officer": officer, "t": _t(lang), **context}, status_code=status, here=here)


# --- orders -------------------------------------------------------------------------------------------------------


@router.get("/payments")
def orders_page(request: Request, session: ReadSessionDep, officer: ReadOfficerDep, status: str = "",
                kind: str = "") -> Response:
    t = _t(lang_of(request))
    ok = status in ("", *protocol.STATUSES) and kind in ("", *protocol.KINDS)
    rows, total = service.list_orders(session, status=status or None, kind=kind or None, limit=PAGE) if ok else ([], 0)
    counts = {s: service.list_orders(session, status=s, limit=1)[1] for s in protocol.STATUSES}
    chart = bar_chart([(t(f"pay.status.{s}"), float(n), f"{n:,}") for s, n in counts.items()], t("pay.chart"),
                      "pay-status")
    return _page(request, "payments_orders.html", officer, {
        "rows": rows, "total": total, "status": status, "kind": kind, "statuses": protocol.STATUSES,
        "kinds": protocol.KINDS, "chart": Markup(chart),  # noqa: S704 - bar_chart escapes its labels
        "discrepancies": service.discrepancies(session, 50), "filter_error": not ok,
    }, 200 if ok else 422)


def _order_context(session: SessionDep, order_id: str, supervisor: bool) -> dict[str, Any]:
    from sqlalchemy import select

    o = service.get_order(session, order_id)
    refunds = list(session.scalars(select(RefundRequest).where(RefundRequest.order_id == o.id)
                                   .order_by(RefundRequest.requested_at)))
    return {"o": o, "events": service.events_for(session, o.id), "refunds": refunds,
            "can_cancel": protocol.can_cancel(o.status), "can_refund": o.status == protocol.PAID and supervisor,
            "supervisor": supervisor,
            "error": None, "done": None, "agent_problem": None}


@router.get("/payments/orders/{order_id}")
def order_page(request: Request, order_id: str, session: ReadSessionDep, officer: ReadOfficerDep,
               done: str = "") -> Response:
    try:
        ctx = _order_context(session, order_id, is_supervisor(officer))
    except NotFound:
        return _page(request, "error.html", officer, {"message_key": "error.not_found"}, 404)
    ctx["done"] = done if done in ("cancelled", "refund", "refund_unsent", "withdrawn") else None
    return _page(request, "payments_order.html", officer, ctx)


@router.post("/payments/orders/{order_id}/{action}")
def order_action(request: Request, order_id: str, action: str, session: SessionDep, officer: OfficerDep,
                 reason: FormStr = "", amount_jpy: FormStr = "", refund_id: FormStr = "",
                 csrf_token: FormStr = "") -> Response:
    check_csrf(request, csrf_token)
    url = f"/console/payments/orders/{order_id}"
    actor = f"officer:{officer.username}"
    try:
        if action == "cancel":
            service.cancel_order(session, order_id, actor=actor, reason=reason)
            session.commit()
            return RedirectResponse(f"{url}?done=cancelled", status_code=303)
        if action == "refund":
            text = amount_jpy.replace(",", "").strip()
            if text and not (text.isascii() and text.isdigit() and len(text) < 15):
                raise ValidationFailed([FieldError("amount_jpy", "whole yen")])
            refund = service.request_refund(session, order_id, amount_jpy=int(text) if text else None, actor=actor,
                                            reason=reason, role=officer.role)
            message = service.refund_message(refund, service.get_order(session, order_id))
            session.commit()
            problem = agent_client.send_and_mark(session, message, actor)  # no transaction open while it waits
            return RedirectResponse(f"{url}?done={'refund' if problem is None else 'refund_unsent'}", status_code=303)
        if action == "withdraw-refund":
            service.withdraw_refund(session, order_id, refund_id, actor=actor, reason=reason, role=officer.role)
            session.commit()
            return RedirectResponse(f"{url}?done=withdrawn", status_code=303)
        if action == "resend-refund":
            service.require_refund_role(officer.role)
            pending = service.get_refund(session, order_id, refund_id)
            if pending.status != "requested":
                raise Conflict("only a refund request the agent has not accepted can be sent again", "status",
                               "wrong_state")
            message = service.refund_message(pending, service.get_order(session, order_id))
            session.rollback()  # only read: the order's lock is not held while the agent answers
            problem = agent_client.send_and_mark(session, message, actor)
            return RedirectResponse(f"{url}?done={'refund' if problem is None else 'refund_unsent'}", status_code=303)
        raise NotFound(f"action {action}")
    except SmartCustomsError as exc:
        session.rollback()
        try:
            ctx = _order_context(session, order_id, is_supervisor(officer))
        except NotFound:
            return _page(request, "error.html", officer, {"message_key": "error.not_found"}, 404)
        ctx["error"] = error_view(lang_of(request), exc)
        return _page(request, "payments_order.html", officer, ctx, exc.status_code, here=url)


# --- reconciliation -----------------------------------------------------------------------------------------------


def _runs(session: SessionDep) -> list[ReconciliationRun]:
    from sqlalchemy import select

    return list(session.scalars(select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(30)))


def _report_chart(report: dict[str, Any], t: Any) -> Markup:
    tot = report["totals"]
    items = [(t(f"rec.{k}"), float(tot[f"{k}_jpy"]), f"¥{tot[f'{k}_jpy']:,}")
             for k in ("agent_paid", "platform_paid", "agent_refunded", "platform_refunded")]
    return Markup(bar_chart(items, t("rec.chart"), "rec"))  # noqa: S704 - bar_chart escapes its labels


@router.get("/payments/reconciliation")
def reconciliation_page(request: Request, session: ReadSessionDep, officer: ReadOfficerDep, run: str = "") -> Response:
    t = _t(lang_of(request))
    current = session.get(ReconciliationRun, int(run)) if run.isascii() and run.isdigit() and len(run) < 10 else None
    ctx = {"runs": _runs(session), "run": current, "report": current.report if current else None,
           "chart": _report_chart(current.report, t) if current else None, "error": None,
           "day": (current.day if current else reconcile.previous_day(utcnow())).isoformat(),
           "sections": ("amount_differences", "missing_at_platform", "missing_at_agent", "matched")}
    return _page(request, "payments_reconciliation.html", officer, ctx)


@router.post("/payments/reconciliation")
async def reconcile_upload(request: Request, session: SessionDep, officer: OfficerDep,
                           day: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
                           settlements: Annotated[UploadFile | None, File()] = None) -> Response:
    check_csrf(request, csrf_token)
    try:
        try:
            d = date.fromisoformat(day)
        except ValueError:
            raise ValidationFailed([FieldError("day", "a date as YYYY-MM-DD")]) from None
        if settlements is None:
            raise ValidationFailed([FieldError("settlements", "choose the agent's settlement file")])
        raw = await settlements.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ValidationFailed([FieldError("settlements", f"at most {MAX_FILE_BYTES} bytes")])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed([FieldError("settlements", "a UTF-8 CSV file")]) from None
        run = service.reconcile_day(session, d, text, actor=f"officer:{officer.username}")
        session.commit()
    except SmartCustomsError as exc:
        session.rollback()
        ctx = {"runs": _runs(session), "run": None, "report": None, "chart": None, "day": day,
               "error": error_view(lang_of(request), exc), "sections": ()}
        return _page(request, "payments_reconciliation.html", officer, ctx, exc.status_code)
    return RedirectResponse(f"/console/payments/reconciliation?run={run.id}", status_code=303)


@router.get("/payments/reconciliation/{run_id}.csv")
def reconciliation_csv(run_id: str, session: ReadSessionDep, officer: ReadOfficerDep) -> Response:
    # Not an int parameter: 99999999999999999999 overflows the integer column (500); any non-id is simply not found.
    ok = run_id.isascii() and run_id.isdigit() and len(run_id) < 10
    run = session.get(ReconciliationRun, int(run_id)) if ok else None
    if run is None:
        return Response("not found", status_code=404)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=reconcile.REPORT_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(reconcile.report_rows(run.report))
    name = f"reconciliation_{run.day.isoformat()}_run{run.id}.csv"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- means of payment ---------------------------------------------------------------------------------------------


@router.get("/means-of-payment")
def mop_page(request: Request, session: ReadSessionDep, officer: ReadOfficerDep, flagged: str = "") -> Response:
    t = _t(lang_of(request))
    rows, total = mop.listing(session, flagged_only=flagged == "1", limit=PAGE)
    counts = {c: sum(1 for d in rows if any(f["code"] == c for f in d.flags)) for c in FLAG_CODES}
    chart = bar_chart([(t(f"mop.flag.{c}"), float(n), str(n)) for c, n in counts.items()], t("mop.chart"), "mop")
    return _page(request, "payments_mop_list.html", officer, {
        "rows": rows, "total": total, "flagged": flagged == "1", "days": mop_rules.STRUCTURING_WINDOW_DAYS,
        "chart": Markup(chart),  # noqa: S704 - bar_chart escapes its labels
    })


# --- public filing page -------------------------------------------------------------------------------------------

ITEM_ROWS = 4


def _public_lang(request: Request, form_lang: str = "") -> str:
    lang = form_lang or request.query_params.get("lang", "")
    return "ja" if lang == "ja" else "en"


def _file_page(request: Request, lang: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    t = _t(lang)
    return templates.TemplateResponse(request, "payments_mop_file.html", {
        "lang": lang, "t": t, "kinds": ("", *mop_rules.KINDS), "item_rows": range(ITEM_ROWS), "form": {},
        "errors": [], "result": None, **ctx}, status_code=status,
        headers={"Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                 "form-action 'self'; frame-ancestors 'none'", "Cache-Control": "no-store"})


@public_router.get("/means-of-payment")
def mop_form(request: Request) -> HTMLResponse:
    return _file_page(request, _public_lang(request), {})


@public_router.post("/means-of-payment")
async def mop_file(request: Request, session: SessionDep) -> HTMLResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}
    lang = _public_lang(request, form.get("lang", ""))
    items = []
    for i in range(ITEM_ROWS):
        kind = form.get(f"items-{i}-kind", "")
        if not kind:
            continue
        item: dict[str, Any] = {"kind": kind}
        for f in ("currency", "amount", "weight_g", "purity"):
            v = form.get(f"items-{i}-{f}", "").strip().replace(",", "")
            if v:
                item[f] = v
        items.append(item)
    data: dict[str, Any] = {k: form.get(k, "") for k in ("family_name", "given_name", "nationality",
                                                         "passport_number", "date_of_birth", "direction", "flight",
                                                         "origin_country", "destination_country")}
    if form.get("travel_date"):
        data["travel_date"] = form["travel_date"]
    data["items"] = items
    try:
        try:
            body = MeansOfPaymentIn.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed([FieldError(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
                                   ) from None
        d = mop.file(session, body)
        out = mop.to_out(d)
        session.commit()
    except SmartCustomsError as exc:
        session.rollback()
        return _file_page(request, lang, {"form": form, "errors": [e.to_dict() for e in exc.errors]},
                          exc.status_code)
    return _file_page(request, lang, {"result": out}, 201)

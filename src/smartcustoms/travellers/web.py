"""Traveller pages: the declaration form with a live estimate, and the result with its QR code (no JS framework)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import partial
from pathlib import Path
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from markupsafe import Markup
from pydantic import ValidationError

from smartcustoms.console import views as console_views
from smartcustoms.db import utcnow
from smartcustoms.deps import SessionDep
from smartcustoms.errors import FieldError, NotFound, SmartCustomsError
from smartcustoms.reference import codes
from smartcustoms.settings import get_settings
from smartcustoms.travellers import i18n, service
from smartcustoms.travellers.schemas import PassengerDeclarationIn
from smartcustoms.travellers.tables import ALCOHOL_KINDS

router = APIRouter(prefix="/travellers", include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CONSOLE_TEMPLATES = Path(console_views.__file__).parent / "templates"
templates = Jinja2Templates(env=Environment(
    loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(CONSOLE_TEMPLATES)]), autoescape=True))
templates.env.filters.update(console_views.templates.env.filters)
templates.env.globals.update(console_views.templates.env.globals)
FAMILY_ROWS, GOODS_ROWS = 3, 6
_GOODS_ROW = re.compile(r"^og([0-9]{1,3})_(description|value)$")
TOBACCO_FIELDS = ("cigarettes", "heated_tobacco_packs", "cigars", "other_tobacco_g")
QUESTIONS = ("prohibited_goods", "restricted_goods", "commercial_goods", "goods_for_others",
             "means_of_payment_over_limit", "unaccompanied_baggage")
CURRENCIES = ("JPY", "USD", "EUR", "CNY", "KRW", "TWD", "HKD", "GBP", "AUD", "THB", "SGD", "CAD")
PAGE_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store",
}


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    return asked if asked in i18n.LANGS else i18n.negotiate(request.headers.get("accept-language"))


def view_token(declaration_id: str) -> str:
    """A link secret for the result page, so that knowing a declaration number is not enough to see it."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"traveller-view:{declaration_id}".encode(), hashlib.sha256).hexdigest()[:32]


def page(request: Request, name: str, lang: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    ctx = {"lang": lang, "t": partial(i18n.translate, lang), "langs": i18n.LANG_NAMES,
           "path": request.url.path, **context}
    resp = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    for k, v in PAGE_HEADERS.items():
        resp.headers[k] = v
    return resp


def _narrow(text: str) -> str:
    """Full-width digits, letters and punctuation (what a Japanese keyboard types: ２００，０００) as ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


# Fields that are codes, numbers or dates: typed full-width on a Japanese keyboard, read as their ASCII form.
NARROW_FIELDS = ("nationality", "passport_number", "date_of_birth", "flight", "arrival_date")


def _num(text: str) -> int | str:
    """Form numbers: blank is 0; anything else is left for the schema to refuse with its field."""
    text = _narrow(text).replace(",", "")
    return 0 if not text else int(text) if text.isascii() and text.isdigit() else text


def form_to_body(form: dict[str, str]) -> dict[str, Any]:
    """The API body from the form's flat fields (blank rows are skipped)."""
    f = {k: v for k, v in form.items() if isinstance(v, str)}
    alcohol = [{"kind": k, "bottles": _num(f.get(f"alc_{k}", ""))} for k in ALCOHOL_KINDS
               if _narrow(f.get(f"alc_{k}", "")) not in ("", "0")]
    other = []
    rows = sorted({int(m.group(1)) for k in f if (m := _GOODS_ROW.match(k))})
    for i in rows:
        desc, value = f.get(f"og{i}_description", "").strip(), _narrow(f.get(f"og{i}_value", "")).replace(",", "")
        if not desc and not value:
            continue
        cur = f.get(f"og{i}_currency", "JPY").strip().upper() or "JPY"
        row: dict[str, Any] = {"description": desc}
        if f.get(f"og{i}_quantity", "").strip():
            row["quantity"] = _num(f[f"og{i}_quantity"])
        if cur == "JPY":
            row["value_jpy"] = _num(value) if value else ""
        else:
            row["value"], row["currency"] = value, cur
        other.append(row)
    family = []
    for i in range(FAMILY_ROWS):
        names = [f.get(f"fm{i}_family_name", "").strip(), f.get(f"fm{i}_given_name", "").strip(),
                 _narrow(f.get(f"fm{i}_date_of_birth", ""))]
        if any(names):
            family.append(dict(zip(("family_name", "given_name", "date_of_birth"), names, strict=True)))
    body: dict[str, Any] = {k: f.get(k, "").strip() for k in ("family_name", "given_name")}
    body.update({k: _narrow(f.get(k, "")) for k in NARROW_FIELDS})
    body["goods"] = {"alcohol": alcohol, **{k: _num(f.get(k, "")) for k in TOBACCO_FIELDS},
                     "perfume_ml": _num(f.get("perfume_ml", "")),
                     "perfume_value_jpy": _num(f.get("perfume_value_jpy", "")), "other_goods": other}
    body["family_members"] = family
    for q in QUESTIONS:
        body[q] = f.get(q) == "yes"
    return body


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _errors(exc: ValidationError | SmartCustomsError) -> list[FieldError]:
    if isinstance(exc, ValidationError):
        return [FieldError(_field_path(tuple(e["loc"])) or "body", e["msg"], e["type"]) for e in exc.errors()]
    return exc.errors or [FieldError("body", exc.message, exc.code)]


def _form_context(form: dict[str, str], errors: list[FieldError] | None = None) -> dict[str, Any]:
    today = utcnow().astimezone(service.JST).date()
    return {"form": form, "errors": errors or [], "error_fields": {e.field for e in errors or []},
            "countries": sorted(codes.countries().items(), key=lambda kv: kv[1]), "currencies": CURRENCIES,
            "alcohol_kinds": ALCOHOL_KINDS, "tobacco_fields": TOBACCO_FIELDS, "questions": QUESTIONS,
            "family_rows": range(FAMILY_ROWS), "goods_rows": range(GOODS_ROWS), "today": today.isoformat()}


@router.get("/")
def form_page(request: Request) -> Response:
    lang = lang_of(request)
    return page(request, "traveller_form.html", lang, _form_context({"nationality": "", "arrival_date":
                                                                     _form_context({})["today"]}))


@router.post("/estimate")
async def estimate(request: Request, session: SessionDep) -> Response:
    """The live estimate (HTMX partial): allowances and tax of the form as it stands; nothing stored."""
    from smartcustoms.travellers.api import estimate_limiter

    lang = lang_of(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    raw = form_to_body(form)
    try:
        estimate_limiter.check(request.client.host if request.client else "unknown")
        body = PassengerDeclarationIn.model_validate(raw)
        goods, _ = service.normalise_goods(session, body.goods, body.unaccompanied_goods, body.arrival_date)
        births = [body.date_of_birth, *(m.date_of_birth for m in body.family_members)]
        assessment = service.assess_goods(goods, births, body.arrival_date)
        reasons = service.counter_reasons(body, assessment)
    except (ValidationError, SmartCustomsError) as exc:
        status = exc.status_code if isinstance(exc, SmartCustomsError) and exc.status_code == 429 else 200
        return page(request, "_traveller_estimate.html", lang, {"assessment": None, "errors": _errors(exc)},
                    status_code=status)
    return page(request, "_traveller_estimate.html", lang, {"assessment": assessment, "reasons": reasons,
                                                            "errors": []})


@router.post("/declare")
async def declare(request: Request, session: SessionDep) -> Response:
    lang = lang_of(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        body = PassengerDeclarationIn.model_validate(form_to_body(form))
        from smartcustoms.travellers.api import limiter

        limiter.check(request.client.host if request.client else "unknown")
        d = service.declare(session, body)
    except (ValidationError, SmartCustomsError) as exc:
        status = exc.status_code if isinstance(exc, SmartCustomsError) else 422
        return page(request, "traveller_form.html", lang, _form_context(form, _errors(exc)), status_code=status)
    session.commit()
    return RedirectResponse(f"/travellers/declarations/{d.id}?k={view_token(d.id)}&lang={lang}", status_code=303)


def qr_svg(payload: str) -> Markup:
    """The QR code as inline SVG (segno; medium error correction, alphanumeric mode for base45)."""
    svg = segno.make(payload, error="m", micro=False).svg_inline(scale=4, border=4, dark="#000", light="#fff",
                                                                  title="QR")
    return Markup(svg)  # noqa: S704 - segno writes the SVG from the payload's modules only, no text of it


@router.get("/declarations/{declaration_id}")
def result_page(declaration_id: str, request: Request, session: SessionDep, k: str = "") -> Response:
    lang = lang_of(request)
    try:
        d = service.get(session, declaration_id)
    except NotFound:
        d = None
    # bytes, not str: compare_digest raises on a str with non-ASCII characters (a mangled link was a 500)
    if d is None or not hmac.compare_digest(k.encode("utf-8", "replace"), view_token(d.id).encode()):
        return page(request, "traveller_missing.html", lang, {}, status_code=404)
    out = service.to_public(d)
    expires = d.expires_at.astimezone(service.JST).strftime("%Y-%m-%d %H:%M JST")
    return page(request, "traveller_result.html", lang, {"d": out, "qr": qr_svg(d.qr_payload), "expires": expires,
                                                         "assessment": d.assessment, "reasons": d.counter_reasons})


@router.get("/static/traveller.css")
def stylesheet() -> Response:
    return FileResponse(STATIC / "traveller.css", media_type="text/css",
                        headers={"cache-control": "public, max-age=3600"})

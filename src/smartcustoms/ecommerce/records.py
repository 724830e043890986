"""Pure validation of one manifest record (a JSON object, or CSV rows already grouped) into a consignment.

Plain Python on plain dicts: a pydantic model per row would cost more than the rest of the pipeline together.
Every problem is reported with the field path and the reason; all problems of a row are reported at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from smartcustoms.reference import codes
from smartcustoms.textcheck import printable

MAX_TEXT = {"parcel_id": 64, "platform": 120, "seller.id": 64, "seller.name": 200, "seller.registration_id": 64,
            "consignee.name": 200, "consignee.address": 400, "consignee.id": 64, "delivery_place": 200,
            "description": 300, "unit": 3}
MAX_VALUE = Decimal(10) ** 12
MAX_QUANTITY = Decimal(10) ** 9
# Decision: a quantity is at least 0.001 (a gram in KGM, a millilitre in LTR, a thousandth of a piece). A smaller
# one is a typo or a unit mix-up ("1e-310"), and its unit value (value ÷ quantity) would be beyond any reference band
# (or not even finite as a float): refused with the field, as a negative one is.
MIN_QUANTITY = Decimal("0.001")
# A number given as text: ASCII digits with an optional sign, decimal point and exponent (what JSON and CSV
# writers produce). Decimal alone would also read "1_000" and digits of other scripts ("١٢٣", "５０").
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(slots=True)
class Goods:
    """One goods line of a consignment, checked."""

    description: str
    hs_code: str | None
    quantity: Decimal
    unit: str
    net_mass_kg: Decimal
    value: Decimal
    currency: str
    origin_country: str

    def to_json(self) -> dict[str, Any]:
        """The stored form: decimals as strings."""
        return {"description": self.description, "hs_code": self.hs_code, "quantity": str(self.quantity),
                "unit": self.unit, "net_mass_kg": str(self.net_mass_kg), "value": str(self.value),
                "currency": self.currency, "origin_country": self.origin_country}


@dataclass(slots=True)
class Record:
    """One consignment as submitted, checked field by field (not yet valued or assessed)."""

    line_no: int
    parcel_id: str
    platform: str
    seller_id: str
    seller_name: str
    seller_country: str
    seller_registration_id: str | None
    mail_order: bool
    consignee_name: str
    consignee_address: str
    consignee_id: str | None
    delivery_place: str
    personal_use: bool
    goods: list[Goods]


Problem = dict[str, Any]  # field, reason, code (CSV: csv_line and column too, parse.csv_places)


def problem(field: str, reason: str, code: str) -> Problem:
    """One rejection reason in the platform's error shape."""
    return {"field": field, "reason": reason, "code": code}


@lru_cache(maxsize=4096)
def _hs_problem(code: str) -> str | None:
    return codes.hs_problem(code)


class _Checker:
    """Collects the problems of one record while reading its fields."""

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def text(self, obj: Any, key: str, path: str, required: bool = True) -> str | None:
        value = obj.get(key) if isinstance(obj, dict) else None
        if type(value) is str and 0 < len(value) <= 64 and value.isprintable() and not value[0].isspace() \
                and not value[-1].isspace():
            return value  # the common case, settled in one test
        if value is None or value == "":
            if required:
                self.problems.append(problem(path, "required", "missing"))
            return None
        if isinstance(value, float):
            # JSON numbers beyond 64 bits arrive as floats (orjson): a 22-digit tracking number would be stored as
            # "9.400111899223345e+21" and two parcels could share it. An id or text is never a fraction either.
            self.problems.append(problem(path, "a number that cannot be kept exactly as text (a fraction, or more "
                                               "than 19 digits): send it as a string", "wrong_type"))
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problems.append(problem(path, "must be a string", "wrong_type"))
            return None
        value = value.strip()
        if not value:
            if required:
                self.problems.append(problem(path, "required (blank)", "missing"))
            return None
        limit = MAX_TEXT.get(path.rsplit("]", 1)[-1].lstrip("."), 400)
        if len(value) > limit:
            self.problems.append(problem(path, f"at most {limit} characters", "too_long"))
            return None
        if not printable(value):
            self.problems.append(problem(path, "control characters are not allowed", "control_characters"))
            return None
        return value

    def flag(self, obj: dict[str, Any], key: str, path: str) -> bool:
        value = obj.get(key)
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "y"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "n"):
            return False
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.problems.append(problem(path, "true or false", "wrong_type"))
        return False

    def country(self, value: str | None, path: str) -> str:
        if value is None:
            return ""
        up = value.upper()
        if up not in codes.countries():
            self.problems.append(problem(path, f"unknown country code {value!r} (ISO 3166-1 alpha-2)",
                                         "unknown_country"))
        return up

    def number(self, obj: dict[str, Any], key: str, path: str, *, positive: bool, limit: Decimal,
               default: Decimal | None = None) -> Decimal:
        value = obj.get(key)
        if value is None or value == "":
            if default is not None:
                return default
            self.problems.append(problem(path, "required", "missing"))
            return Decimal(0)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.problems.append(problem(path, "must be a number", "wrong_type"))
            return Decimal(0)
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(problem(path, "must be a finite number", "not_finite"))
            return Decimal(0)
        try:
            number = Decimal(value.strip() if isinstance(value, str) else str(value))
        except InvalidOperation:
            self.problems.append(problem(path, f"not a number: {str(value)[:40]!r}", "not_a_number"))
            return Decimal(0)
        if number.is_finite() and isinstance(value, str) and not _NUMBER.fullmatch(value.strip()):
            # Decimal also reads "1_000", Arabic-Indic and full-width digits: a manifest's numbers are plain ASCII.
            self.problems.append(problem(path, f"not a plain number (digits 0-9, one '.', optional exponent): "
                                               f"{value[:40]!r}", "not_a_number"))
            return Decimal(0)
        if not number.is_finite():
            self.problems.append(problem(path, "must be a finite number", "not_finite"))
        elif number < 0:
            self.problems.append(problem(path, "must not be negative", "negative"))
        elif positive and number == 0:
            self.problems.append(problem(path, "must be greater than zero", "not_positive"))
        elif positive and number < MIN_QUANTITY:
            self.problems.append(problem(path, f"below the smallest quantity taken, {MIN_QUANTITY} (a typo or a "
                                               "unit mix-up?)", "too_small"))
        elif number > limit:
            self.problems.append(problem(path, f"above the limit of {limit}", "absurd"))
        else:
            return number
        return Decimal(0)


def _goods(c: _Checker, i: int, g: Any) -> Goods | None:
    p = f"goods[{i}]"
    if not isinstance(g, dict):
        c.problems.append(problem(p, "must be an object", "wrong_type"))
        return None
    before = len(c.problems)
    description = c.text(g, "description", f"{p}.description") or ""
    hs = c.text(g, "hs_code", f"{p}.hs_code", required=False)
    if hs is not None:
        hs = codes.normalise_hs(hs)
        why = _hs_problem(hs)
        if why:
            c.problems.append(problem(f"{p}.hs_code", f"unknown HS code {hs!r}: {why}", "unknown_hs_code"))
    quantity = c.number(g, "quantity", f"{p}.quantity", positive=True, limit=MAX_QUANTITY, default=Decimal(1))
    unit = (c.text(g, "unit", f"{p}.unit", required=False) or "PCE").upper()
    if len(unit) > MAX_TEXT["unit"]:
        c.problems.append(problem(f"{p}.unit", "a UN/ECE unit code of at most 3 letters (PCE, KGM, LTR)", "too_long"))
    mass = c.number(g, "net_mass_kg", f"{p}.net_mass_kg", positive=False, limit=MAX_QUANTITY, default=Decimal(0))
    value = c.number(g, "value", f"{p}.value", positive=False, limit=MAX_VALUE)
    currency = (c.text(g, "currency", f"{p}.currency") or "").upper()
    if currency and currency not in codes.currencies():
        c.problems.append(problem(f"{p}.currency", f"unknown currency {currency!r} (ISO 4217)", "unknown_currency"))
    else:
        minor = codes.currency_minor_unit(currency)
        if minor is not None and _too_precise(value, minor):
            c.problems.append(problem(f"{p}.value", f"{currency} has {minor} decimal places", "too_precise"))
    origin = c.text(g, "origin_country", f"{p}.origin_country", required=False)
    origin_code = c.country(origin, f"{p}.origin_country") if origin else ""
    if len(c.problems) > before:
        return None
    return Goods(description, hs, quantity, unit, mass, value, currency, origin_code)


def _too_precise(value: Decimal, minor: int) -> bool:
    """More decimal places than the currency has, trailing zeros aside: "1500.00" JPY is ¥1,500 (many systems
    write every amount with two decimals), "10.5" JPY is refused. Counted on the digits as written (normalize()
    would round a long value to 28 digits first and hide its last decimals)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= -minor:
        return False
    zeros = len(digits) - len(bytes(digits).rstrip(b"\x00"))
    return zeros < len(digits) and exponent + zeros < -minor


def _ok(value: Any, limit: int) -> bool:
    """A clean text field: a non-empty string within the limit, printable, without surrounding blanks."""
    return type(value) is str and 0 < len(value) <= limit and value.isprintable() and not value[0].isspace() \
        and not value[-1].isspace()


def _opt(value: Any, limit: int) -> tuple[bool, str | None]:
    """An optional clean text field: (settled, value); not settled sends the record to the full checks."""
    if value is None or value == "":
        return True, None
    return (True, value) if _ok(value, limit) else (False, None)


def _num(value: Any, positive: bool, limit: Decimal) -> Decimal | None:
    """A clean number given as a string or an int (never bool or float), or None to leave it to the full checks."""
    kind = type(value)
    if kind is str:
        value = value.strip()
        if not _NUMBER.fullmatch(value):
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:  # an exponent beyond Decimal's range ("1e99999999999999999999")
            return None
    elif kind is int:
        number = Decimal(value)
    else:
        return None
    if not number.is_finite() or number < 0 or (positive and number < MIN_QUANTITY) or number > limit:
        return None
    return number


_ONE, _ZERO = Decimal(1), Decimal(0)


def _any(value: Any) -> Any:
    """The value with its type left open to the checks that follow (for the type checker)."""
    return value


def _fast_goods(g: Any, countries: dict[str, str], currencies: dict[str, str]) -> Goods | None:
    if type(g) is not dict:
        return None
    g = _any(g)
    description = g.get("description")
    if not _ok(description, 300):
        return None
    done, hs = _opt(g.get("hs_code"), 400)
    if not done:
        return None
    if hs is not None:
        hs = codes.normalise_hs(hs)
        if _hs_problem(hs):
            return None
    q = g.get("quantity")
    quantity = _ONE if q is None or q == "" else _num(q, True, MAX_QUANTITY)
    done, unit = _opt(g.get("unit"), 400)
    if quantity is None or not done:
        return None
    unit = (unit or "PCE").upper()
    if len(unit) > 3:
        return None
    m = g.get("net_mass_kg")
    mass = _ZERO if m is None or m == "" else _num(m, False, MAX_QUANTITY)
    v = g.get("value")
    value = None if v is None or v == "" else _num(v, False, MAX_VALUE)
    currency = g.get("currency")
    if mass is None or value is None or not _ok(currency, 400):
        return None
    currency = currency.upper()
    if currency not in currencies:
        return None
    minor = codes.currency_minor_unit(currency)
    if minor is not None and _too_precise(value, minor):
        return None
    done, origin = _opt(g.get("origin_country"), 400)
    if not done:
        return None
    origin_code = ""
    if origin:
        origin_code = origin.upper()
        if origin_code not in countries:
            return None
    return Goods(description, hs, quantity, unit, mass, value, currency, origin_code)


def _fast_record(obj: dict[str, Any], line_no: int, max_goods: int) -> Record | None:
    """The record when every field is clean (the common case) in one pass; None sends it to the full checks.

    It accepts exactly what the full checks accept with the same values (a test compares the two on generated
    and on broken records); anything unusual falls through to them, which name every problem.
    """
    o = _any(obj)
    seller, consignee, raw_goods = o.get("seller"), o.get("consignee"), o.get("goods")
    if type(seller) is not dict or type(consignee) is not dict or type(raw_goods) is not list \
            or not 0 < len(raw_goods) <= max_goods:
        return None
    seller, consignee = _any(seller), _any(consignee)
    parcel, platform, delivery = o.get("parcel_id"), o.get("platform"), o.get("delivery_place")
    seller_id, seller_name, country = seller.get("id"), seller.get("name"), seller.get("country")
    name, address = consignee.get("name"), consignee.get("address")
    if not (_ok(parcel, 64) and _ok(platform, 120) and _ok(delivery, 200) and _ok(seller_id, 64)
            and _ok(seller_name, 200) and _ok(country, 400) and _ok(name, 200) and _ok(address, 400)):
        return None
    countries = codes.countries()
    country = country.upper()
    if country not in countries:
        return None
    done, registration = _opt(seller.get("registration_id"), 64)
    done2, consignee_id = _opt(consignee.get("id"), 64)
    mail_order, personal = o.get("mail_order"), o.get("personal_use")
    if not done or not done2:
        return None
    if mail_order is None or mail_order == "":
        mail_order = False
    if personal is None or personal == "":
        personal = False
    if type(mail_order) is not bool or type(personal) is not bool:
        return None
    currencies = codes.currencies()
    goods: list[Goods] = []
    for g in raw_goods:
        checked = _fast_goods(g, countries, currencies)
        if checked is None:
            return None
        goods.append(checked)
    return Record(line_no, parcel, platform, seller_id, seller_name, country, registration, mail_order, name,
                  address, consignee_id, delivery, personal, goods)


def check_record(obj: Any, line_no: int, max_goods: int) -> tuple[Record | None, list[Problem]]:
    """A checked record, or None with every problem found (field path, reason, code)."""
    if type(obj) is dict:
        fast = _fast_record(obj, line_no, max_goods)
        if fast is not None:
            return fast, []
    return check_record_fully(obj, line_no, max_goods)


def check_record_fully(obj: Any, line_no: int, max_goods: int) -> tuple[Record | None, list[Problem]]:
    """Every check, field by field, collecting every problem (the reference the fast path must agree with)."""
    c = _Checker()
    if not isinstance(obj, dict):
        return None, [problem("line", "each line must be a JSON object (one consignment)", "wrong_type")]
    parcel = c.text(obj, "parcel_id", "parcel_id")
    platform = c.text(obj, "platform", "platform")
    seller = obj.get("seller")
    if not isinstance(seller, dict):
        c.problems.append(problem("seller", "required: an object with id, name, country", "missing"))
        seller = {}
    seller_id = c.text(seller, "id", "seller.id")
    seller_name = c.text(seller, "name", "seller.name")
    seller_country = c.country(c.text(seller, "country", "seller.country"), "seller.country")
    registration = c.text(seller, "registration_id", "seller.registration_id", required=False)
    consignee = obj.get("consignee")
    if not isinstance(consignee, dict):
        c.problems.append(problem("consignee", "required: an object with name and address", "missing"))
        consignee = {}
    consignee_name = c.text(consignee, "name", "consignee.name")
    consignee_address = c.text(consignee, "address", "consignee.address")
    consignee_id = c.text(consignee, "id", "consignee.id", required=False)
    delivery = c.text(obj, "delivery_place", "delivery_place")
    mail_order = c.flag(obj, "mail_order", "mail_order")
    personal = c.flag(obj, "personal_use", "personal_use")
    raw_goods = obj.get("goods")
    goods: list[Goods] = []
    if not isinstance(raw_goods, list) or not raw_goods:
        c.problems.append(problem("goods", "required: a list of at least one goods line", "missing"))
    elif len(raw_goods) > max_goods:
        c.problems.append(problem("goods", f"at most {max_goods} goods lines per consignment", "too_many_lines"))
    else:
        for i, g in enumerate(raw_goods):
            checked = _goods(c, i, g)
            if checked is not None:
                goods.append(checked)
    if c.problems:
        return None, c.problems
    assert parcel and platform and seller_id and seller_name and consignee_name and consignee_address and delivery
    return Record(line_no, parcel, platform, seller_id, seller_name, seller_country, registration, mail_order,
                  consignee_name, consignee_address, consignee_id, delivery, personal, goods), []


def readable_parcel_id(obj: Any) -> str | None:
    """The parcel id of a record that failed, when it can be read (for the rejection line)."""
    if isinstance(obj, dict):
        value = obj.get("parcel_id")
        if isinstance(value, str) and 0 < len(value.strip()) <= MAX_TEXT["parcel_id"]:
            return value.strip()
    return None

"""Pure: whether a parcel sent again is the parcel stored, field by field.

The issue's rule: re-sending a manifest, or part of it, after a timeout creates no duplicates, and a repeat returns
the stored result. Decision: a "repeat" is the same parcel. A parcel id sent again with other content (other goods,
another value, another consignee) is not a re-send but a conflict: before, it was answered "repeat" with the stored
result, so a carrier's correction (a raised value) was dropped without a word, and a CSV parcel whose rows were not
next to each other lost its later goods the same way. It is now rejected with the first field that differs and
the stored consignment, which stands as it is (as the platform answers 409 to an Idempotency-Key sent with another
body). Compared: the consignment's parties, places and flags and each goods line's facts; numbers as numbers
("1500.00" is 1500), so a re-send formatted otherwise is still a repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from smartcustoms.ecommerce.records import Problem, problem

# Stored column -> the field's path in a submitted consignment.
CONTENT = {
    "platform": "platform", "seller_id": "seller.id", "seller_name": "seller.name",
    "seller_country": "seller.country", "seller_registration_id": "seller.registration_id",
    "mail_order": "mail_order", "consignee_name": "consignee.name", "consignee_address": "consignee.address",
    "consignee_id": "consignee.id", "delivery_place": "delivery_place", "personal_use": "personal_use",
    "goods": "goods",
}
_FLAGS = frozenset({"mail_order", "personal_use"})
_NUMBERS = frozenset({"quantity", "net_mass_kg", "value"})
_GOODS_FACTS = ("description", "hs_code", "quantity", "unit", "net_mass_kg", "value", "currency", "origin_country")


def differences(new: Mapping[str, Any], stored: Mapping[str, Any]) -> list[str]:
    """The paths of the fields where `new` differs from `stored` (both by stored column names; goods as their
    stored JSON text or list), in CONTENT order."""
    out: list[str] = []
    for column, path in CONTENT.items():
        a, b = new.get(column), stored.get(column)
        if column == "goods":
            out += _goods_differences(_goods(a), _goods(b))
        elif column in _FLAGS:
            if bool(a) != bool(b):
                out.append(path)
        elif (a or None) != (b or None):
            out.append(path)
    return out


def conflict(parcel_id: str, consignment_id: str, fields: list[str]) -> Problem:
    """The rejection of a parcel sent again with other content, naming the first field that differs."""
    shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
    return problem(fields[0], f"parcel {parcel_id} is stored already (consignment {consignment_id}) with another "
                              f"{shown}: a parcel sent again must be the same. The stored consignment stands; a "
                              "correction goes to customs, not in a manifest", "conflicting_resend")


def rows_apart(parcel_id: str, first_line: int, line: int) -> Problem:
    """The rejection of a CSV parcel whose rows come back after another parcel's rows in the same manifest."""
    return problem("parcel_id", f"the rows of parcel {parcel_id} are not next to each other (line {first_line}, "
                                f"then line {line} after another parcel's rows): a consignment's rows must follow "
                                "each other. The consignment read from line {first_line} stands as it was read; "
                                "keep a parcel's rows together", "rows_apart")


def _goods(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return value if isinstance(value, list) else []


def _goods_differences(new: list[dict[str, Any]], stored: list[dict[str, Any]]) -> list[str]:
    if len(new) != len(stored):
        return ["goods"]
    out = []
    for i, (a, b) in enumerate(zip(new, stored, strict=True)):
        for key in _GOODS_FACTS:
            if key in a and key in b and not _same(key, a[key], b[key]):
                out.append(f"goods[{i}].{key}")
    return out


def _same(key: str, a: Any, b: Any) -> bool:
    if key in _NUMBERS:
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except InvalidOperation:
            return bool(a == b)
    return bool((a or None) == (b or None))

"""Pure lookups of shipped code lists: HS 2022 subheadings, ISO countries and currencies."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources

_DIGITS = re.compile(r"^[0-9]+$")


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("smartcustoms.reference").joinpath("data", name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def hs_subheadings() -> dict[str, str]:
    """6-digit HS 2022 subheadings and their descriptions.

    UN Comtrade's statistical placeholder 999999 ("not specified according to kind", section TOTAL)
    is not an HS subheading and is left out.
    """
    return {
        r["hscode"]: r["description"]
        for r in _read("harmonized-system-hs2022.csv")
        if r["level"] == "6" and r["section"] != "TOTAL"
    }


@lru_cache(maxsize=1)
def hs_headings() -> dict[str, str]:
    """2- and 4-digit HS 2022 chapters and headings."""
    return {r["hscode"]: r["description"] for r in _read("harmonized-system-hs2022.csv") if r["level"] in ("2", "4")}


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code to English name."""
    return {r["alpha2"]: r["name_en"] for r in _read("countries.csv")}


@lru_cache(maxsize=1)
def currencies() -> dict[str, str]:
    """ISO 4217 codes in use to name."""
    return {r["code"]: r["name"] for r in _read("currencies.csv")}


def normalise_hs(code: str) -> str:
    """Strip the dots and spaces people write in HS codes (8518.30 -> 851830)."""
    return code.replace(".", "").replace(" ", "").strip()


def hs_problem(code: str) -> str | None:
    """Why an HS code is not acceptable, or None when it is.

    6 digits must be an HS 2022 subheading; Japan's 9-digit statistical codes are accepted when
    their first 6 digits are.
    """
    c = normalise_hs(code)
    if not _DIGITS.match(c) or len(c) not in (6, 9):
        return "must be 6 digits (HS 2022 subheading) or 9 digits (Japan statistical code)"
    if c[:6] not in hs_subheadings():
        return f"{c[:6]} is not an HS 2022 subheading"
    return None


def hs_description(code: str) -> str | None:
    """English description of the code's 6-digit subheading."""
    return hs_subheadings().get(normalise_hs(code)[:6])


def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code."""
    return code in countries()


def is_currency(code: str) -> bool:
    """True for an ISO 4217 code in use."""
    return code in currencies()


@lru_cache(maxsize=1)
def _minor_units() -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for r in _read("currencies.csv"):
        out[r["code"]] = int(r["minor_unit"]) if r["minor_unit"].isdigit() else None
    return out


def currency_minor_unit(code: str) -> int | None:
    """Decimal places of a currency (JPY 0, USD 2); None when unknown or not applicable."""
    return _minor_units().get(code)

"""Request shape of a means-of-payment declaration (the public filing API and page)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from smartcustoms.textcheck import printable


def _printable(value: str) -> str:
    """No control characters (PostgreSQL refuses NUL in text; officers' pages must not carry invisible ones)."""
    if not printable(value):
        raise ValueError("control characters are not allowed")
    return value


def _exact_text(value: Any) -> Any:
    """A number given as text is checked before it becomes a Decimal: the default context keeps 28 significant digits,
    so "0.89999…9" (30 nines) would round to 0.9 and count as 90% gold. Too many digits is an error instead."""
    if isinstance(value, str):
        text = value.strip()
        digits = text.lstrip("+-").split("e")[0].split("E")[0].replace(".", "").lstrip("0").rstrip("0")
        if len(text) > 60 or len(digits) > MAX_DIGITS:
            raise ValueError(f"at most {MAX_DIGITS} significant digits")
    return value


def _normal(value: Decimal) -> Decimal:
    """Trailing zeros dropped ("1000.000…0" is 1000), so the stored text stays short."""
    return value.normalize()


MAX_DIGITS = 20
Exact = Annotated[Decimal, BeforeValidator(_exact_text), AfterValidator(_normal)]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(_printable)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["cash", "cheque", "security", "promissory_note", "gold_bullion"]
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")] | \
        None = Field(default=None, description="ISO 4217 code of cash, cheques, securities and notes")
    # decimal_places: amounts are stored exactly as text of at most 40 characters
    amount: Exact | None = Field(default=None, gt=0, le=Decimal(10**13), decimal_places=4,
                                   description="face or market value")
    weight_g: Exact | None = Field(default=None, gt=0, le=Decimal(10**7), decimal_places=6,
                                     description="gold bullion: grams")
    purity: Exact | None = Field(default=None, gt=0, le=1, decimal_places=6,
                                   description="gold bullion: fineness, 0.999 = 99.9%")
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200),
                           AfterValidator(_printable)] = ""


class MeansOfPaymentIn(BaseModel):
    """A traveller's declaration: identity, direction, flight and route, and what is carried."""

    model_config = ConfigDict(extra="forbid")

    family_name: Name
    given_name: Name
    nationality: Country
    passport_number: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                                      pattern=r"^[A-Za-z0-9]{5,20}$")]
    date_of_birth: date
    direction: Literal["arrival", "departure"]
    travel_date: date | None = Field(default=None, description="day of arrival or departure (default: today, JST)")
    flight: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                             pattern=r"^[A-Za-z0-9]{2}[0-9]{1,4}[A-Za-z]?$")]
    origin_country: Country
    destination_country: Country
    items: list[ItemIn] = Field(min_length=1, max_length=50)

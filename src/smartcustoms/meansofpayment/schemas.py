"""Request shape of a means-of-payment declaration (the public filing API and page)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _printable(value: str) -> str:
    """No control characters (PostgreSQL refuses NUL in text; officers' pages must not carry invisible ones)."""
    if not value.isprintable():
        raise ValueError("control characters are not allowed")
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(_printable)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["cash", "cheque", "security", "promissory_note", "gold_bullion"]
    currency: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")] | \
        None = Field(default=None, description="ISO 4217 code of cash, cheques, securities and notes")
    amount: Decimal | None = Field(default=None, gt=0, le=Decimal(10**13), description="face or market value")
    weight_g: Decimal | None = Field(default=None, gt=0, le=Decimal(10**7), description="gold bullion: grams")
    purity: Decimal | None = Field(default=None, gt=0, le=1, description="gold bullion: fineness, 0.999 = 99.9%")
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

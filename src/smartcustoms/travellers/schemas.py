"""API shapes of passenger declarations and gate decisions (pydantic)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints, model_validator

from smartcustoms.declarations.schemas import Printable
from smartcustoms.travellers.tables import ALCOHOL_KINDS

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Printable]
Passport = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{5,20}$")]
Flight = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                          pattern=r"^[A-Za-z0-9]{2}[A-Za-z]?\s?[0-9]{1,4}[A-Za-z]?$")]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3)]


def _no_bool(value: object) -> object:
    # JSON true/false are not numbers: pydantic would read them as 1 and 0
    if isinstance(value, bool):
        raise ValueError("a whole number is required, not true/false")
    return value


def _iso_day(value: object) -> object:
    # a date is a 'YYYY-MM-DD' string: pydantic would read a bare number as seconds since 1970
    if not isinstance(value, str | date):
        raise ValueError("a date is required as YYYY-MM-DD")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Day = Annotated[date, BeforeValidator(_iso_day)]
Count = Annotated[Int, Field(ge=0, le=100_000)]
MAX_VALUE_JPY = 10**10
AlcoholKind = Literal["whisky_brandy", "rum_gin_vodka", "liqueur", "shochu", "other"]
assert set(ALCOHOL_KINDS) == set(get_args(AlcoholKind)), "the data and the API name the same alcohol kinds"


class _In(BaseModel):
    # Unknown fields are refused so that a misspelt field never passes silently.
    model_config = ConfigDict(extra="forbid")


class OtherGoodsIn(_In):
    """An article (or several identical ones) at its overseas market value, in yen or in a foreign currency."""

    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Printable]
    kind: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), Printable] | None = Field(
        None, description="groups articles of one kind for the ≤ ¥10,000 rule; defaults to the description")
    quantity: Int = Field(1, ge=1, le=1000, description="identical articles, each at the value given")
    value_jpy: Int | None = Field(None, ge=0, le=MAX_VALUE_JPY, description="value of one article in yen")
    value: Decimal | None = Field(None, ge=0, le=MAX_VALUE_JPY, max_digits=16, decimal_places=2,
                                  description="value of one article in `currency` (converted at the weekly rate)")
    currency: Currency | None = None

    @model_validator(mode="after")
    def _one_value(self) -> OtherGoodsIn:
        if self.value_jpy is None and self.value is None:
            raise ValueError("give value_jpy, or value with currency")
        if self.value_jpy is not None and self.value is not None:
            raise ValueError("give either value_jpy or value with currency, not both")
        if self.value is not None and self.currency is None:
            raise ValueError("currency is required with value")
        return self


class AlcoholIn(_In):
    kind: AlcoholKind = "other"
    bottles: Int = Field(ge=1, le=1000)
    ml_per_bottle: Int = Field(760, ge=1, le=20_000)


class GoodsIn(_In):
    """Accompanied baggage. ``alcohol_bottles`` are 760 ml bottles of the 'other' rate; ``alcohol`` gives kinds."""

    alcohol_bottles: Annotated[Int, Field(ge=0, le=1000)] = 0
    alcohol: list[AlcoholIn] = Field(default_factory=list, max_length=20)
    cigarettes: Count = 0
    heated_tobacco_packs: Count = 0
    cigars: Count = 0
    other_tobacco_g: Count = 0
    perfume_ml: Annotated[Int, Field(ge=0, le=100_000)] = 0
    perfume_value_jpy: Annotated[Int, Field(ge=0, le=MAX_VALUE_JPY)] = 0
    other_goods: list[OtherGoodsIn] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _bounds(self) -> GoodsIn:
        if self.alcohol_bottles + sum(a.bottles for a in self.alcohol) > 1000:
            raise ValueError("more than 1,000 bottles is not baggage")
        if sum(g.quantity for g in self.other_goods) > 1000:
            raise ValueError("more than 1,000 articles of other goods is not baggage")
        if self.perfume_value_jpy and not self.perfume_ml:
            raise ValueError("perfume_value_jpy given without perfume_ml")
        return self


class FamilyMemberIn(_In):
    family_name: Name
    given_name: Name
    date_of_birth: Day
    passport_number: Passport | None = None


class PassengerDeclarationIn(_In):
    """The electronic baggage declaration (Customs Form C No. 5360)."""

    family_name: Name
    given_name: Name
    nationality: Country
    passport_number: Passport
    date_of_birth: Day
    flight: Flight
    arrival_date: Day
    goods: GoodsIn = Field(default_factory=GoodsIn)
    family_members: list[FamilyMemberIn] = Field(default_factory=list, max_length=9,
                                                 description="family members travelling together on this declaration")
    unaccompanied_baggage: bool = Field(False, description="baggage sent separately, arriving within 6 months")
    unaccompanied_goods: list[OtherGoodsIn] = Field(default_factory=list, max_length=200,
                                                    description="other goods in the unaccompanied baggage")
    means_of_payment_over_limit: bool = Field(
        False, description="carrying cash, cheques or securities over ¥1,000,000 or gold bullion over 1 kg")
    prohibited_goods: bool = Field(False, description="narcotics, firearms, counterfeit goods and other prohibited")
    restricted_goods: bool = Field(False, description="plants, meat, medicines over limits, CITES goods ...")
    commercial_goods: bool = Field(False, description="commercial goods or samples")
    goods_for_others: bool = Field(False, description="goods carried for someone else")
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), Printable] | None = None


class GateDecisionIn(_In):
    qr_payload: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    passport_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    face_match: StrictBool = Field(description="the gate's own face match: JSON true or false only")

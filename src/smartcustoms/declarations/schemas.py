"""API shapes of import declarations (pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _printable(text: str) -> str:
    """Refuse control characters (NUL cannot even be stored in PostgreSQL text)."""
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text):
        raise ValueError("control characters are not allowed")
    return text


Printable = AfterValidator(_printable)
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Printable]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Printable]
Text20 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), Printable]
Code32 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=32),
                   Printable]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=3),
                 Printable]
Code2 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2),
                  Printable]
Code3 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3),
                  Printable]

TRANSPORT_MODES = ("air", "sea", "post", "road", "rail", "other")


class _In(BaseModel):
    # Unknown fields are refused so that a misspelt field never passes silently.
    model_config = ConfigDict(extra="forbid")


class ImporterIn(_In):
    code: Code32
    name: Text200
    country: Code2


class ConsignorIn(_In):
    name: Text200
    country: Code2


class LineIn(_In):
    hs_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=12)]
    description: Text500
    # Digit limits keep every decimal storable exactly (and refuse 1e-400 style input with a clear reason).
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=6, description="Quantity in `unit`")
    unit: Unit
    net_mass_kg: Decimal = Field(ge=0, max_digits=18, decimal_places=6)
    customs_value: Decimal = Field(gt=0, max_digits=18, decimal_places=3,
                                   description="Customs value (CIF) of the line in the declaration currency")
    origin_country: Code2
    duty_rate: Decimal = Field(ge=0, le=10, max_digits=12, decimal_places=8,
                               description="Duty rate the declarant claims, as a fraction (0.14 = 14%)")
    consumption_tax: Literal["standard", "reduced"] = "standard"


class ImportDeclarationIn(_In):
    """An import declaration as a trader lodges or amends it."""

    importer: ImporterIn
    consignor: ConsignorIn
    transport_mode: Literal["air", "sea", "post", "road", "rail", "other"]
    office: Text20
    currency: Code3 = "JPY"
    personal_use: bool = False
    simplified_tariff_opt_out: bool = Field(
        default=False, description="Importer opts for the general tariff instead of simplified rates (≤ ¥200,000)"
    )
    lines: list[LineIn] = Field(min_length=1)


class StatusChangeOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    lane: int
    reason: str
    actor: str
    at: datetime


class ImportDeclarationOut(BaseModel):
    """A declaration as the API returns it (lodge, fetch, list, amend)."""

    id: str
    status: str
    lane: int
    lane_reasons: list[dict[str, Any]]
    assessment: dict[str, Any]
    importer: dict[str, Any]
    consignor: dict[str, Any]
    transport_mode: str
    office: str
    currency: str
    personal_use: bool
    simplified_tariff_opt_out: bool
    aeo_importer: bool
    declared_on: date
    exchange_rate: dict[str, Any] | None
    inspection: dict[str, Any] | None
    risk: dict[str, Any] | None = Field(
        default=None,
        description="Whether a risk model scored the declaration (status); its details are for officers only",
    )
    lines: list[dict[str, Any]]
    version: int
    lodged_at: datetime
    updated_at: datetime
    payment: dict[str, Any] | None = Field(
        default=None,
        description="The payment order of the duty and tax (id, amount_jpy, pay_url, status, due_date) once the "
                    "declaration is permitted with tax due; null when nothing is due or payment is deferred",
    )

"""API shapes of export declarations (pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from smartcustoms.declarations.schemas import Code2, Code3, Code32, Printable, Text20, Text200, Text500, Unit, _In

Licence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), Printable]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), Printable]


class ExporterIn(_In):
    code: Code32
    name: Text200
    address: Address = ""
    country: Code2 = "JP"


class ConsigneeIn(_In):
    name: Text200
    address: Address = ""
    country: Code2


class EndUserIn(_In):
    name: Text200
    country: Code2


class ExportLineIn(_In):
    hs_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=12)]
    description: Text500
    quantity: Decimal = Field(gt=0, max_digits=18, decimal_places=6, description="Quantity in `unit`")
    unit: Unit
    value: Decimal = Field(gt=0, max_digits=18, decimal_places=3,
                           description="FOB value of the line in the declaration currency")
    licences: list[Licence] = Field(
        default_factory=list, max_length=10,
        description="Licence references for the line (METI export licence number under FEFTA art. 48 etc.)")


class ExportDeclarationIn(_In):
    """An export declaration as an exporter or broker lodges it."""

    exporter: ExporterIn
    consignee: ConsigneeIn
    end_user: EndUserIn | None = Field(default=None, description="Defaults to the consignee when absent")
    destination_country: Code2
    transport_mode: Literal["air", "sea", "post", "road", "rail", "other"]
    office: Text20
    currency: Code3 = "JPY"
    lines: list[ExportLineIn] = Field(min_length=1)


class ExportDeclarationOut(BaseModel):
    id: str
    status: str
    lane: int
    lane_reasons: list[dict[str, Any]]
    screening: dict[str, Any]
    hits: list[dict[str, Any]]
    exporter: dict[str, Any]
    consignee: dict[str, Any]
    end_user: dict[str, Any]
    destination_country: str
    transport_mode: str
    office: str
    currency: str
    exchange_rate: dict[str, Any] | None
    total_value_jpy: int
    declared_on: date
    lines: list[dict[str, Any]]
    version: int
    lodged_at: datetime
    updated_at: datetime


class ExportStatusChangeOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    lane: int
    reason: str
    actor: str
    at: datetime

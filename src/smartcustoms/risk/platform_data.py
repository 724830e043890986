"""The platform's own declarations as rows in the risk model's canonical layout (one row per line).

Mapping of the public Customs Import Declaration layout onto platform fields, where they differ:
declarant_id = lodging trader, seller_id = consignor name, departure_country = consignor country,
tax_rate = applied duty rate in percent, tax_type = where the rate came from (tariff / simplified /
claimed), item_price = line value in yen. Fields the platform does not collect are '' and the model
scores them as unseen categories.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcustoms.declarations.models import ImportDeclaration
from smartcustoms.identity.models import Trader
from smartcustoms.settings import get_settings


def line_records(
    *, declaration_id: str, declared_on: date, office: str, transport_mode: str, personal_use: bool,
    trader_code: str, importer_code: str, consignor_name: str, consignor_country: str,
    lines: Sequence[Mapping[str, Any]], assessed_lines: Sequence[Mapping[str, Any]],
) -> list[dict[str, object]]:
    """Canonical rows for the lines of one declaration (used at lodgement and for training)."""
    by_no = {int(a["line_no"]): a for a in assessed_lines}
    rows: list[dict[str, object]] = []
    for n, line in enumerate(lines, start=1):
        a = by_no.get(n, {})
        applied = a.get("applied_rate") or {}
        ad_valorem = applied.get("ad_valorem") if isinstance(applied, Mapping) else None
        rows.append({
            "declaration_id": f"{declaration_id}:{n}",
            "date": declared_on.isoformat(),
            "office_id": office,
            "process_type": "",
            "import_type": "",
            "import_use": "personal" if personal_use else "",
            "payment_type": "",
            "transport_mode": transport_mode,
            "declarant_id": trader_code,
            "importer_id": importer_code.upper(),
            "seller_id": consignor_name.strip().upper(),
            "courier_id": "",
            "hs6": str(line["hs_code"])[:6],
            "departure_country": consignor_country,
            "origin_country": str(line["origin_country"]),
            "tax_rate": float(Decimal(str(ad_valorem)) * 100) if ad_valorem is not None else 0.0,
            "tax_type": str(a.get("rate_source", "")),
            "origin_indicator": "",
            "net_mass": float(line["net_mass_kg"]),
            "item_price": float(a.get("value_jpy", 0)),
        })
    return rows


def labels(inspection: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """(fraud, critical_fraud) from an officer's inspection record; None when not inspected.

    A discrepancy is fraud; one whose recovered duty reaches SMARTCUSTOMS_CRITICAL_RECOVERED_DUTY_JPY is
    critical (2), the public data set's top class.
    """
    if not inspection or inspection.get("result") not in ("no_discrepancy", "discrepancy"):
        return None
    if inspection["result"] == "no_discrepancy":
        return 0, 0
    recovered = int(inspection.get("recovered_duty_jpy") or 0)
    return 1, 2 if recovered >= get_settings().critical_recovered_duty_jpy else 1


def training_records(
    session: Session, since: date | None = None, until: date | None = None
) -> Iterator[dict[str, object]]:
    """Inspected declarations with their outcome as labelled rows: the labels officers' results create."""
    stmt = (
        select(ImportDeclaration, Trader.code)
        .join(Trader, Trader.id == ImportDeclaration.trader_id)
        .where(ImportDeclaration.inspection.is_not(None))
        .order_by(ImportDeclaration.declared_on, ImportDeclaration.id)
    )
    if since:
        stmt = stmt.where(ImportDeclaration.declared_on >= since)
    if until:
        stmt = stmt.where(ImportDeclaration.declared_on <= until)
    for d, trader_code in session.execute(stmt.execution_options(yield_per=1000)):
        outcome = labels(d.inspection)
        if outcome is None:
            continue
        lines = [{"hs_code": ln.hs_code, "origin_country": ln.origin_country, "net_mass_kg": ln.net_mass_kg}
                 for ln in d.lines]
        for row in line_records(
            declaration_id=d.id, declared_on=d.declared_on, office=d.office, transport_mode=d.transport_mode,
            personal_use=d.personal_use, trader_code=trader_code, importer_code=d.importer_code,
            consignor_name=d.consignor_name, consignor_country=d.consignor_country, lines=lines,
            assessed_lines=d.assessment.get("lines", []),
        ):
            row["fraud"], row["critical_fraud"] = outcome
            yield row

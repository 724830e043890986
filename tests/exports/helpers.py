"""Shared by the export tests: request bodies, the real METI End User List loaded by the screening loader."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from smartcustoms.screening import loader
from smartcustoms.screening import service as screening
from smartcustoms.screening.models import WatchlistVersion

EUL_CODE = "METI-EUL"


def line(**kw: Any) -> dict[str, Any]:
    base = {"hs_code": "610910", "description": "Cotton T-shirts", "quantity": 100, "unit": "PCE",
            "value": "250000", "licences": []}
    base.update(kw)
    return base


def body(*lines: dict[str, Any], **kw: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "exporter": {"code": "EXP-001", "name": "Sakura Apparel K.K.", "address": "1-1 Marunouchi, Tokyo",
                     "country": "JP"},
        "consignee": {"name": "Maple Leaf Retail Inc.", "address": "100 King St W, Toronto", "country": "CA"},
        "end_user": {"name": "Maple Leaf Retail Inc.", "country": "CA"},
        "destination_country": "CA", "transport_mode": "sea", "office": "TYO-SEA", "currency": "JPY",
        "lines": list(lines) or [line()],
    }
    b.update(kw)
    return copy.deepcopy(b)


def auth(key: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **headers}


def load_eul(session: Session, path: Path, label: str = "2025-09-29") -> WatchlistVersion:
    """The METI End User List file loaded by the screening service's own loader (`smartcustoms watchlists load`)."""
    result = loader.load_files(session, EUL_CODE, [path], actor="test", label=label)
    screening.clear_cache()
    version = loader.active_version(session, EUL_CODE)
    assert version is not None and version.version_label == result.version_label
    return version


def eul_with_alias(src: Path, out: Path, company: str, alias: str) -> Path:
    """A copy of the METI End User List CSV in which one company gained an alias (a changed list entry)."""
    rows = list(csv.reader(src.open(encoding="utf-8")))
    row = next(r for r in rows if r[2].split("\n")[0].strip() == company)
    row[3] = (row[3] + "\n" if row[3] else "") + f"・{alias}"
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return out

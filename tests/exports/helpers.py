"""Shared by the export tests: request bodies, a real watch list loaded, officers."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from smartcustoms.screening import service as screening
from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.models import WatchlistEntry, WatchlistVersion

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


def parse_eul(path: Path) -> list[ParsedEntry]:
    """The METI End User List CSV (company names and aliases), as the screening service stores entries."""
    rows = list(csv.reader(path.open(encoding="utf-8")))
    out = []
    for n, row in enumerate(rows[1:], start=1):
        if len(row) < 4 or not row[2].strip():
            continue
        e = ParsedEntry(entry_id=f"EUL-{n}", names=[], entity_type="entity")
        for part in row[2].replace("（", "(").replace("）", ")").split("\n"):
            e.add_name(part.strip().strip("()"), "primary")
        for alias in row[3].split("・"):
            for part in alias.replace("（", "(").replace("）", ")").split("\n"):
                if part.strip().strip("()"):
                    e.add_name(part.strip().strip("()"))
        out.append(e)
    return out


def load_list(session: Session, entries: list[ParsedEntry], code: str = EUL_CODE, label: str = "2025-09-29",
              ) -> WatchlistVersion:
    """Store entries as the active version of a list (what `watchlists load` leaves behind)."""
    session.execute(update(WatchlistVersion).where(WatchlistVersion.list_code == code).values(active=False))
    blob = json.dumps([e.names_json() for e in entries], ensure_ascii=False).encode()
    v = WatchlistVersion(list_code=code, version_label=label, sha256=hashlib.sha256(blob).hexdigest(),
                         source_files=[], entry_count=len(entries), name_count=sum(len(e.names) for e in entries),
                         active=True, loaded_by="test")
    session.add(v)
    session.flush()
    session.add_all(WatchlistEntry(version_id=v.id, entry_id=e.entry_id, primary_name=e.primary_name,
                                   entity_type=e.entity_type, names=e.names_json(), countries=e.countries,
                                   birth_dates=e.birth_dates, programmes=e.programmes, digest=e.digest())
                    for e in entries)
    session.flush()
    screening.clear_cache()
    return v

"""METI End User List (外国ユーザーリスト), xlsx or csv: No., country, company, aliases, WMD type, conventional."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import FormatChanged, ListFormat
from smartcustoms.screening.parsers.common import country_code, has_cjk, read_csv, split_aliases, stable_id
from smartcustoms.screening.parsers.xlsx import sheets

CODE = "METI-EUL"
_SIGNATURE = ("No.", "Country or Region", "Company or Organization", "Also Known As", "Type of WMD")


def _rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        book = sheets(CODE, path)
        return [row for rows in book.values() for row in rows]
    return read_csv(path)


def parse(paths: Sequence[Path]) -> list[ParsedEntry]:
    path = paths[0]
    rows = _rows(path)
    header_at = next((i for i, r in enumerate(rows[:20]) if r and r[0].strip() == "No."), None)
    if header_at is None:
        raise FormatChanged(CODE, path, "no header row starting with 'No.'")
    header = " | ".join(rows[header_at])
    missing = [s for s in _SIGNATURE if s not in header]
    if missing:
        raise FormatChanged(CODE, path, f"header lacks {', '.join(missing)}")
    entries = []
    for r in rows[header_at + 1:]:
        if len(r) < 5 or not r[2].strip():
            continue
        country_cell = r[1]
        country_en = country_cell.split("\n")[-1]
        cc = country_code(country_en)
        name_cell = r[2].replace("（", "(").replace("）", ")")
        lines = [ln.strip() for ln in name_cell.split("\n") if ln.strip()]
        primary = lines[0]
        e = ParsedEntry(stable_id("METI", primary, country_en), [], "entity", [cc] if cc else [],
                        programmes=" ".join(r[4].split()))
        e.add_name(primary, "primary", "en")
        for extra in lines[1:]:
            extra = extra.strip("() ")
            if extra:
                e.add_name(extra, "original-script" if has_cjk(extra) else "alias", "ja" if has_cjk(extra) else None)
        for alias in split_aliases(r[3], commas=False):
            e.add_name(re.sub(r"^\s*\(|\)\s*$", "", alias), "alias")
        entries.append(e)
    return entries


FORMAT = ListFormat(CODE, "METI End User List (外国ユーザーリスト)", parse, "one .xlsx or .csv file")

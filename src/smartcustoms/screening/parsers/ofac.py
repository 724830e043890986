"""OFAC SDN legacy CSV (sdn.csv, no header, 12 columns) with optional alt.csv (aliases) and add.csv (addresses)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from smartcustoms.screening.entries import ParsedEntry
from smartcustoms.screening.parsers import FormatChanged, ListFormat
from smartcustoms.screening.parsers.common import country_code, dates_in, read_csv

CODE = "OFAC-SDN"
_NULL = "-0-"
_TYPES = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft", "": "entity"}


def _clean(v: str) -> str:
    v = v.strip()
    return "" if v == _NULL else v


def _kind(path: Path, rows: list[list[str]]) -> str:
    """Tell sdn / alt / add apart by their column count (12, 5, 6) with a numeric key first."""
    sample = [r for r in rows[:50] if r and any(c.strip() for c in r)]
    if not sample or not all(r[0].strip().isdigit() for r in sample):
        raise FormatChanged(CODE, path, "first column is not the numeric ent_num")
    widths = {len(r) for r in sample}
    if widths == {12}:
        return "sdn"
    if widths == {5}:
        return "alt"
    if widths == {6}:
        return "add"
    raise FormatChanged(CODE, path, f"{sorted(widths)} columns; expected 12 (SDN), 5 (ALT) or 6 (ADD)")


def _display(name: str, kind: str) -> str:
    """'PUTIN, Vladimir Vladimirovich' stays as OFAC writes it; matching ignores word order."""
    return " ".join(name.split())


def parse(paths: Sequence[Path]) -> list[ParsedEntry]:
    files: dict[str, list[list[str]]] = {}
    for p in paths:
        rows = [r for r in read_csv(p) if r and any(c.strip() for c in r) and not r[0].startswith("\x1a")]
        files[_kind(p, rows)] = rows
    if "sdn" not in files:
        raise FormatChanged(CODE, paths[0], "no SDN file (12 columns) among the files")
    entries: dict[str, ParsedEntry] = {}
    for r in files["sdn"]:
        ent, name, sdn_type, programme, remarks = r[0].strip(), _clean(r[1]), _clean(r[2]).lower(), _clean(r[3]), \
            _clean(r[11])
        if not name:
            continue
        e = ParsedEntry(f"OFAC-{ent}", [], _TYPES.get(sdn_type, "entity"), programmes=programme)
        e.add_name(_display(name, sdn_type), "primary")
        if sdn_type == "individual":
            m = re.search(r"DOB ([^;]+)", remarks)
            if m:
                e.birth_dates.extend(dates_in(m.group(1)))
        for m in re.finditer(r"(?:nationality|Nationality) ([A-Za-z ,']+?)[;.]", remarks):
            cc = country_code(m.group(1))
            if cc and cc not in e.countries:
                e.countries.append(cc)
        entries[ent] = e
    for r in files.get("alt", []):
        alt = entries.get(r[0].strip())
        name = _clean(r[3])
        if alt is not None and name:
            alt.add_name(_display(name, ""), "alias")
    for r in files.get("add", []):
        addr = entries.get(r[0].strip())
        cc = country_code(_clean(r[4]))
        if addr is not None and cc and cc not in addr.countries:
            addr.countries.append(cc)
    return list(entries.values())


FORMAT = ListFormat(CODE, "OFAC SDN list (legacy CSV: sdn, alt, add)", parse, "sdn.csv [alt.csv] [add.csv]")

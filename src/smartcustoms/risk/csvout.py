"""CSV export of the risk lists and simulation results: UTF-8 with BOM (Excel), a header row, ISO dates."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

BOM = "\ufeff"
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection); importer and
# consignor names come from traders, so text cells are neutralised with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as CSV text: ISO dates, plain decimals, empty for missing, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def header_of(row_type: type[Any]) -> list[str]:
    """The CSV header of a row dataclass: its field names, in order (stable, machine-readable keys)."""
    return [f.name for f in dataclasses.fields(row_type)]


def to_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV document as text, BOM first, CRLF line ends (RFC 4180)."""
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()


def dataclass_rows(items: Iterable[Any], header: Sequence[str]) -> Iterable[list[Any]]:
    """Rows of field values from dataclass instances, in header order."""
    for item in items:
        yield [getattr(item, name) for name in header]


def to_bytes(row_type: type[Any], items: Iterable[Any]) -> bytes:
    """Dataclass instances as a UTF-8 CSV document (with BOM) for a download."""
    header = header_of(row_type)
    return to_text(header, dataclass_rows(items, header)).encode("utf-8")


def write(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV file (UTF-8 with BOM); returns the path."""
    out = Path(path)
    out.write_bytes(to_text(header, rows).encode("utf-8"))
    return out

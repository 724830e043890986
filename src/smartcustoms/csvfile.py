"""Parse an administrator's CSV file all-or-nothing: every bad row is named, and none is loaded."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from decimal import InvalidOperation
from pathlib import Path
from typing import TypeVar

from smartcustoms.errors import FieldError, ValidationFailed

T = TypeVar("T")
MAX_REPORTED = 50


def parse_rows(path: Path, columns: Sequence[str], parse: Callable[[dict[str, str]], T]) -> list[T]:
    """Rows of a UTF-8 CSV with a header, each turned into a T by `parse` (which raises ValueError).

    A missing column, a file that is not UTF-8 or any bad row refuses the whole file with the row
    numbers (as a spreadsheet counts them) and reasons.
    """
    rows: list[T] = []
    errors: list[FieldError] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ValidationFailed([FieldError("header", f"missing columns: {', '.join(missing)}")])
            for n, raw in enumerate(reader, start=2):
                try:
                    rows.append(parse({k: (v or "") for k, v in raw.items() if k is not None}))
                except (ValueError, InvalidOperation) as exc:
                    errors.append(FieldError(f"row {n}", str(exc) or type(exc).__name__))
    except UnicodeDecodeError as exc:
        raise ValidationFailed([FieldError("file", f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from exc
    if errors:
        raise ValidationFailed(errors[:MAX_REPORTED], f"{len(errors)} bad row(s) in {path.name}; nothing loaded")
    return rows

"""Read historical declarations (KCS Customs Import Declaration layout, or platform rows) into one canonical frame."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from smartcustoms.errors import FieldError, ValidationFailed

# Canonical snake_case names, in the order of the public dataset's columns.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "declaration_id", "date", "office_id", "process_type", "import_type", "import_use", "payment_type",
    "transport_mode", "declarant_id", "importer_id", "seller_id", "courier_id", "hs6", "departure_country",
    "origin_country", "tax_rate", "tax_type", "origin_indicator", "net_mass", "item_price", "fraud",
    "critical_fraud",
)  # fmt: skip

# Header of the public Customs Import Declaration dataset (Jeong, Kim et al., 2022) -> canonical name.
KCS_COLUMNS: dict[str, str] = dict(
    zip(
        (
            "Declaration ID", "Date", "Office ID", "Process Type", "Import Type", "Import Use", "Payment Type",
            "Mode of Transport", "Declarant ID", "Importer ID", "Seller ID", "Courier ID", "HS6 Code",
            "Country of Departure", "Country of Origin", "Tax Rate", "Tax Type", "Country of Origin Indicator",
            "Net Mass", "Item Price", "Fraud", "Critical Fraud",
        ),  # fmt: skip
        CANONICAL_COLUMNS,
        strict=True,
    )
)
CANONICAL_TO_KCS = {v: k for k, v in KCS_COLUMNS.items()}

LABEL_COLUMNS = ("fraud", "critical_fraud")
NUMERIC_COLUMNS = ("tax_rate", "net_mass", "item_price")
CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(
    c for c in CANONICAL_COLUMNS if c not in {"declaration_id", "date", *NUMERIC_COLUMNS, *LABEL_COLUMNS}
)
# Fields a platform row may leave empty ('' is a category of its own); the rest must be present.
REQUIRED_VALUES = ("declaration_id", "date", "hs6", *NUMERIC_COLUMNS)
MAX_BAD_ROWS_NAMED = 5
CHUNK_ROWS = 200_000


class DatasetError(ValidationFailed):
    """Training or scoring data that cannot be used: names the columns (and first rows) at fault."""


def _normalise_hs6(values: pd.Series) -> pd.Series:
    # A spreadsheet or CSV reader may drop the leading zero of chapters 01-09 ("71080" is 071080).
    s = values.str.strip().str.replace(".", "", regex=False)
    digits = s.str.fullmatch(r"\d{1,6}")
    return s.where(~digits, s.str.zfill(6))


def _canonical(raw: pd.DataFrame, *, require_labels: bool, first_row: int, source: str) -> pd.DataFrame:
    """Validate and convert one block of string columns (canonical names) into typed columns."""
    needed = [c for c in CANONICAL_COLUMNS if require_labels or c not in LABEL_COLUMNS]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        named = ", ".join(f"{CANONICAL_TO_KCS[c]} ({c})" for c in missing)
        raise DatasetError([FieldError(c, "missing column", "missing") for c in missing],
                           f"{source}: missing column(s): {named}")
    out = pd.DataFrame(index=raw.index)
    errors: list[FieldError] = []
    rows = np.arange(first_row, first_row + len(raw))

    def bad(column: str, mask: npt.NDArray[np.bool_], what: str) -> None:
        where = ", ".join(str(r) for r in rows[mask][:MAX_BAD_ROWS_NAMED])
        more = f" and {int(mask.sum()) - MAX_BAD_ROWS_NAMED} more" if mask.sum() > MAX_BAD_ROWS_NAMED else ""
        errors.append(FieldError(column, f"{what} expected; bad value in row(s) {where}{more}", "type"))

    for c in ("declaration_id", *CATEGORICAL_COLUMNS):
        out[c] = raw[c].fillna("").astype(str).str.strip()
    out["hs6"] = _normalise_hs6(out["hs6"])
    for c in REQUIRED_VALUES:
        if c in out.columns:
            empty = (out[c] == "").to_numpy()
            if empty.any():
                bad(c, empty, "a value")
    text_date = raw["date"].fillna("").astype(str).str.strip()
    date = pd.to_datetime(text_date, errors="coerce", format="mixed")
    bad_date = date.isna().to_numpy()
    if bad_date.any():
        bad("date", bad_date, "a date (YYYY-MM-DD)")
    out["date"] = date.dt.tz_localize(None).dt.normalize() if date.dt.tz is not None else date.dt.normalize()
    for c in NUMERIC_COLUMNS:
        text = raw[c].fillna("").astype(str).str.strip()
        num = pd.to_numeric(text, errors="coerce")
        nonfinite = (num.isna() | ~np.isfinite(num.fillna(0.0))).to_numpy()
        if nonfinite.any():
            bad(c, nonfinite, "a number")
        out[c] = num.astype("float64")
    if require_labels:
        for c, allowed in (("fraud", (0, 1)), ("critical_fraud", (0, 1, 2))):
            num = pd.to_numeric(raw[c].fillna("").astype(str).str.strip(), errors="coerce")
            wrong = (~num.isin(allowed)).to_numpy()
            if wrong.any():
                bad(c, wrong, " or ".join(str(a) for a in allowed))
            out[c] = num.fillna(0).astype("int8")
    if errors:
        raise DatasetError(errors, f"{source}: " + "; ".join(f"{e.field}: {e.reason}" for e in errors))
    return out[[c for c in CANONICAL_COLUMNS if c in out.columns]]


def _blocks(path: Path) -> Iterable[pd.DataFrame]:
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK_ROWS, encoding="utf-8-sig")
        yield from reader
    except UnicodeDecodeError as exc:
        raise DatasetError([FieldError("file", "not UTF-8 text")], f"{path.name}: not UTF-8 text") from exc
    except pd.errors.EmptyDataError as exc:
        raise DatasetError([FieldError("file", "empty file")], f"{path.name}: empty file") from exc


def read_declarations(paths: Sequence[Path], *, require_labels: bool) -> pd.DataFrame:
    """Declarations from CSV files in the KCS layout (or with canonical headers), validated and typed.

    Rows are numbered as a spreadsheet counts them (the header is row 1).
    """
    frames: list[pd.DataFrame] = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise DatasetError([FieldError("file", f"no such file: {path}")], f"no such file: {path}")
        first_row = 2
        for block in _blocks(path):
            block = block.rename(columns=lambda c: KCS_COLUMNS.get(c.strip(), c.strip()))
            frames.append(_canonical(block, require_labels=require_labels, first_row=first_row, source=path.name))
            first_row += len(block)
    if not frames:
        raise DatasetError([FieldError("file", "no files given")], "no declaration files given")
    return pd.concat(frames, ignore_index=True)


def from_records(records: Sequence[Mapping[str, object]], *, require_labels: bool) -> pd.DataFrame:
    """Declarations built by the platform from its own database (canonical names; '' or absent for unknown)."""
    keys = [c for c in CANONICAL_COLUMNS if require_labels or c not in LABEL_COLUMNS]
    columns = {c: ["" if (v := r.get(c)) is None else str(v) for r in records] for c in keys}
    raw = pd.DataFrame(columns, dtype=object)
    return _canonical(raw, require_labels=require_labels, first_row=1, source="records")


def empty_frame(*, with_labels: bool) -> pd.DataFrame:
    """A canonical frame with no rows (for code paths that need the dtypes)."""
    return from_records([], require_labels=with_labels)

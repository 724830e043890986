from __future__ import annotations

from pathlib import Path

import pytest

from smartcustoms.risk.ml.dataset import CANONICAL_COLUMNS, DatasetError, from_records, read_declarations
from tests.conftest import shared_data

HEADER = ("Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,"
          "Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,"
          "Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud")
ROW = "1,2020-01-01,30,B,11,21,11,10,D1,I1,S1,,71080,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "decl.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_kcs_layout_into_canonical_types(tmp_path: Path) -> None:
    frame = read_declarations([write(tmp_path, HEADER, ROW)], require_labels=True)
    assert list(frame.columns) == list(CANONICAL_COLUMNS)
    row = frame.iloc[0]
    assert row["hs6"] == "071080"  # leading zero restored
    assert row["courier_id"] == ""
    assert row["net_mass"] == 108.0 and str(frame["date"].dtype).startswith("datetime64")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    header = HEADER.replace(",Net Mass", "").replace(",Tax Type", "")
    row = ROW.replace(",FEU1", "").replace(",108.0", "")
    with pytest.raises(DatasetError) as err:
        read_declarations([write(tmp_path, header, row)], require_labels=True)
    assert "Net Mass" in str(err.value) and "Tax Type" in str(err.value)
    assert {e.field for e in err.value.errors} == {"net_mass", "tax_type"}


def test_labels_only_required_for_training(tmp_path: Path) -> None:
    header = HEADER.removesuffix(",Fraud,Critical Fraud")
    path = write(tmp_path, header, ROW.removesuffix(",0,0"))
    assert "fraud" not in read_declarations([path], require_labels=False).columns
    with pytest.raises(DatasetError, match="Fraud"):
        read_declarations([path], require_labels=True)


def test_bad_numbers_and_dates_name_column_and_row(tmp_path: Path) -> None:
    bad_mass = ROW.replace("108.0", "heavy")
    bad_date = ROW.replace("2020-01-01", "yesterday")
    with pytest.raises(DatasetError) as err:
        read_declarations([write(tmp_path, HEADER, ROW, bad_mass, ROW, bad_date)], require_labels=True)
    message = str(err.value)
    assert "net_mass" in message and "row(s) 3" in message
    assert "date" in message and "row(s) 5" in message


def test_bad_label_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="critical_fraud"):
        read_declarations([write(tmp_path, HEADER, ROW.removesuffix("0,0") + "0,7")], require_labels=True)


def test_records_may_leave_fields_empty() -> None:
    frame = from_records([{"declaration_id": "A1", "date": "2021-01-05", "hs6": "850440", "tax_rate": 8,
                           "net_mass": "12.5", "item_price": 1000, "importer_id": "IMP", "process_type": None}],
                         require_labels=False)
    assert frame.loc[0, "process_type"] == "" and frame.loc[0, "courier_id"] == ""
    with pytest.raises(DatasetError, match="item_price"):
        from_records([{"declaration_id": "A1", "date": "2021-01-05", "hs6": "850440", "tax_rate": 8,
                       "net_mass": 1}], require_labels=False)


def test_reads_the_public_file() -> None:
    path = shared_data("customs-declarations", "valid.csv")
    frame = read_declarations([path], require_labels=True)
    assert len(frame) == 8134 and frame["hs6"].str.len().eq(6).all()

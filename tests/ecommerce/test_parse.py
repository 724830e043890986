"""Reading manifests incrementally: any slicing of the bytes gives the same lines and records."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcustoms.ecommerce import parse
from smartcustoms.ecommerce.generate import csv_lines, jsonl_lines


def _slices(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, last = [], 0
    for p in points:
        out.append(data[last:p])
        last = p
    out.append(data[last:])
    return out


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=12),
       cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=10), end=st.booleans())
def test_any_slicing_gives_the_same_lines(lines: list[bytes], cuts: list[int], end: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if end and lines else b"")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return
    expected = [ln.data for ln in parse.split_lines([data], 30)]
    assert [ln.data for ln in parse.split_lines(_slices(data, cuts), 30)] == expected
    assert [ln.oversize for ln in parse.split_lines(_slices(data, cuts), 30)] == \
        [ln.oversize for ln in parse.split_lines([data], 30)]


def test_an_oversize_line_keeps_the_same_head_however_the_file_is_sliced() -> None:
    data = b"\n\n" + b"\0" * 4 + b"\n" + b"\0" * 8 + b"\n" + b"\0" * 32  # found by the test above
    whole = list(parse.split_lines([data], 30))
    cut = list(parse.split_lines([data[:47], data[47:]], 30))
    assert [(x.data, x.oversize) for x in cut] == [(x.data, x.oversize) for x in whole]
    assert whole[-1].oversize and whole[-1].data == b"\0" * 32


def test_line_numbers_crlf_bom_and_last_line_without_end() -> None:
    got = list(parse.split_lines([parse.BOM + b'{"a":1}\r\n', b'\n{"b":2}'], 100))
    assert [(x.no, x.data, x.last_without_end) for x in got] == [(1, b'{"a":1}', False), (2, b"", False),
                                                                  (3, b'{"b":2}', True)]


def test_oversize_lines_are_cut_and_flagged_without_holding_them() -> None:
    big = b"x" * 5000
    got = list(parse.split_lines([b"ok\n", big[:2000], big[2000:], b"\nnext\n"], 100))
    assert [(x.no, x.oversize) for x in got] == [(1, False), (2, True), (3, False)]
    assert len(got[1].data) <= 200 and got[2].data == b"next"


def test_utf16_file_is_a_per_file_error() -> None:
    with pytest.raises(parse.ManifestError) as exc:
        list(parse.items(["\ufeff{}\n".encode("utf-16-le")], "jsonl", 100))
    assert exc.value.field == "encoding" and exc.value.code == "not_utf8"


def test_jsonl_rejections_name_line_and_reason() -> None:
    data = b'{"parcel_id":"A"}\n{"parcel_id": "B", oops}\n\xff\xfe\x00bad\n\n[1,2]\n{"parcel_id":"C","goods":[{"v'
    got = list(parse.items([data], "jsonl", 1000))
    assert [i.line_no for i in got] == [1, 2, 3, 5, 6]
    assert got[0].obj == {"parcel_id": "A"} and got[0].problems is None
    assert got[1].problems and got[1].problems[0]["code"] == "malformed_json"
    assert got[2].problems and got[2].problems[0]["code"] == "not_utf8"
    assert got[3].obj == [1, 2]
    assert got[4].problems and got[4].problems[0]["code"] == "truncated"


def test_csv_groups_consecutive_rows_of_a_parcel_and_matches_jsonl() -> None:
    from_jsonl = [i.obj for i in parse.items(list(jsonl_lines(300, seed=5)), "jsonl", 65536)]
    from_csv = list(parse.items(list(csv_lines(300, seed=5)), "csv", 65536))
    assert len(from_csv) == len(from_jsonl) == 300
    for a, b in zip(from_jsonl, from_csv, strict=True):
        assert b.obj["parcel_id"] == a["parcel_id"]
        assert len(b.obj["goods"]) == len(a["goods"])
        assert [g["value"] for g in b.obj["goods"]] == [g["value"] for g in a["goods"]]
        assert [g["hs_code"] or "" for g in b.obj["goods"]] == [g["hs_code"] or "" for g in a["goods"]]


def test_csv_header_missing_columns_is_a_per_file_error() -> None:
    with pytest.raises(parse.ManifestError) as exc:
        list(parse.items([b"parcel_id,platform\nA,B\n"], "csv", 1000))
    assert exc.value.field == "header" and "seller_id" in exc.value.reason


def test_csv_bad_rows_are_rejected_one_by_one() -> None:
    first = next(iter(csv_lines(1, seed=1))).split(b"\n")
    header, good = first[0] + b"\n", first[1]
    data = header + good + b"\n" + b"only,three,fields\n" + good.replace(b"P0001", b"P0009") + b"\n" + good[:30]
    got = list(parse.items([data], "csv", 10_000))
    assert [i.problems[0]["code"] if i.problems else "ok" for i in got] == \
        ["ok", "wrong_field_count", "ok", "truncated"]
    assert [i.line_no for i in got] == [2, 3, 4, 5]


def test_generate_is_deterministic_per_seed_and_carries_truth() -> None:
    a, b, c = (list(jsonl_lines(200, seed=s)) for s in (3, 3, 4))
    assert a == b and a != c
    truths = [orjson.loads(x)["_truth"]["anomaly"] for x in jsonl_lines(3000, seed=3)]
    assert {"split", "undervaluation", "misdescribed"} <= set(truths)
    assert truths.count(None) > 0.8 * len(truths)


def test_format_by_content_type_or_name() -> None:
    assert parse.format_of("application/x-ndjson; charset=utf-8") == "jsonl"
    assert parse.format_of("text/csv") == "csv"
    assert parse.format_of("application/json") is None
    assert parse.format_of(None, "m.CSV") == "csv"

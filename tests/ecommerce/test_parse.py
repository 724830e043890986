"""Reading manifests incrementally: any slicing of the bytes gives the same lines and records."""

from __future__ import annotations

from pathlib import Path

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
    # The last line without a line end: cut short when its JSON stops before it is complete, else malformed.
    for tail, code in ((b'{"a":1,}', "malformed_json"), (b'{"a":1}x', "malformed_json"), (b'{"a": tru', "truncated"),
                       (b'{"a":1 ', "truncated")):
        got = list(parse.items([b'{"parcel_id":"A"}\n' + tail], "jsonl", 1000))
        assert got[1].problems and got[1].problems[0]["code"] == code, tail
    old_mac = list(parse.items([b'{"parcel_id":"A"}\r{"parcel_id":"B"}\r{"parcel_id":"C"}\r'], "jsonl", 1000))
    assert len(old_mac) == 1 and old_mac[0].problems and "CR alone" in old_mac[0].problems[0]["reason"]
    # Over the line limit too, and in CSV (where the header row holds the whole file).
    big = b"".join(b'{"parcel_id":"P%d","platform":"Temu"}\r' % i for i in range(100))
    got = list(parse.items([big], "jsonl", 1000))
    assert got[0].problems and got[0].problems[0]["code"] == "line_too_long"
    assert "CR alone" in got[0].problems[0]["reason"]
    header = b"parcel_id,platform,seller_id,seller_name,seller_country,consignee_name,consignee_address,delivery_place,"
    for limit in (1000, 65536):
        with pytest.raises(parse.ManifestError, match="CR alone"):
            rows = b"P1,Temu,S,Shop,CN,Sato,A,T,cup,CNY,1\r" * 40
            list(parse.items([header + b"description,currency,value\r" + rows], "csv", limit))
    assert "CR alone" not in _too_long_reason(b'{"a":"x"}\r')  # a CR at the end only is a CRLF cut by the limit


def _too_long_reason(head: bytes) -> str:
    return str(parse._too_long(10, head)["reason"])


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
    # Each unreadable row has its own result; the consignments next to it may be missing a goods line: rejected.
    assert [i.problems[0]["code"] if i.problems else "ok" for i in got] == \
        ["unreadable_row", "wrong_field_count", "unreadable_row", "truncated"]
    assert [i.line_no for i in got] == [2, 3, 4, 5]
    assert [(i.parcel_id or "")[:5] for i in got] == ["P0001", "", "P0009", ""]
    assert "line 3" in got[0].problems[0]["reason"] and "line 3" in got[2].problems[0]["reason"]
    assert "line 5" in got[2].problems[1]["reason"]


def test_generate_is_deterministic_per_seed_and_carries_truth() -> None:
    a, b, c = (list(jsonl_lines(200, seed=s)) for s in (3, 3, 4))
    assert a == b and a != c
    truths = [orjson.loads(x)["_truth"]["anomaly"] for x in jsonl_lines(3000, seed=3)]
    assert {"split", "undervaluation", "misdescribed"} <= set(truths)
    assert truths.count(None) > 0.8 * len(truths)


def test_generate_refuses_a_count_it_cannot_hold_and_a_path_it_cannot_write(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from smartcustoms.ecommerce.cli import app
    from smartcustoms.ecommerce.generate import MAX_COUNT

    runner = CliRunner()
    r = runner.invoke(app, ["generate", "--count", str(MAX_COUNT + 1), "--out", str(tmp_path / "m.jsonl")])
    assert r.exit_code == 2 and "--count" in r.output and not (tmp_path / "m.jsonl").exists()
    r = runner.invoke(app, ["generate", "--count", "5", "--out", str(tmp_path / "missing" / "m.jsonl")])
    assert r.exit_code == 2 and "--out" in r.output and "cannot write" in r.output


def test_format_by_content_type_or_name() -> None:
    assert parse.format_of("application/x-ndjson; charset=utf-8") == "jsonl"
    assert parse.format_of("text/csv") == "csv"
    assert parse.format_of("application/json") is None
    assert parse.format_of(None, "m.CSV") == "csv"


_HEADER = (b"parcel_id,platform,seller_id,seller_name,seller_country,consignee_name,consignee_address,"
           b"delivery_place,description,currency,value\n")


def _row(pid: str, description: str = "phone case", value: str = "300.00", platform: str = "Temu") -> bytes:
    return (f"{pid},{platform},S-1,Shenzhen Shop,CN,Sato Yui,1-2-3 Chiyoda Tokyo,Tokyo,{description},CNY,"
            f"{value}\n").encode()


def _outcome(data: bytes, cut: bool = False) -> list[tuple[int, str | None, str]]:
    got = list(parse.items([data], "csv", 10_000, cut=lambda: cut))
    return [(i.line_no, i.parcel_id, i.problems[0]["code"] if i.problems else "ok") for i in got]


def test_a_csv_consignment_with_an_unreadable_goods_line_is_never_accepted_in_part() -> None:
    # The keyboard's row has a field too many: the phone case and the sneakers of C1 are not accepted without it,
    # neither as one consignment nor as two (the second group would come back as a repeat of the first). C1's
    # rows on both sides of it show it was C1's: C2 after them is accepted.
    data = (_HEADER + _row("C1") + _row("C1", "gaming keyboard", "9000.00").rstrip(b"\n") + b",EXTRA\n"
            + _row("C1", "sneakers", "200.00") + _row("C2"))
    assert _outcome(data) == [(2, "C1", "unreadable_row"), (3, None, "wrong_field_count"),
                              (4, "C1", "unreadable_row"), (5, "C2", "ok")]
    # Its own neighbours only: C0 before a row of C1 whose only fault is its encoding stays accepted, and so does
    # C2 after it; the rows of C1 on both sides of it are rejected.
    sjis = _row("C1", "\u643a\u5e2f\u30b1\u30fc\u30b9").decode().encode("shift_jis")
    data = _HEADER + _row("C0") + _row("C1") + sjis + _row("C1", "sneakers") + _row("C2")
    assert _outcome(data) == [(2, "C0", "ok"), (3, "C1", "unreadable_row"), (4, "C1", "not_utf8"),
                              (5, "C1", "unreadable_row"), (6, "C2", "ok")]
    # An unreadable first row of a parcel (id unknown): the consignment after it is rejected too.
    data = _HEADER + b"only,three,fields\n" + _row("C1") + _row("C1") + _row("C2")
    assert _outcome(data) == [(2, None, "wrong_field_count"), (3, "C1", "unreadable_row"), (5, "C2", "ok")]


def test_the_rows_of_a_csv_parcel_must_agree_on_the_consignment_or_leave_it_blank() -> None:
    blank = b"C1,,,,,,,,sneakers,CNY,200.00\n"
    got = list(parse.items([_HEADER + _row("C1") + blank + _row("C2")], "csv", 10_000))
    assert [i.problems for i in got] == [None, None] and len(got[0].obj["goods"]) == 2
    got = list(parse.items([_HEADER + _row("C1") + _row("C1", "laptop", "900", platform="Amazon")], "csv", 10_000))
    assert got[0].obj is None and got[0].parcel_id == "C1"
    assert [(p["field"], p["code"]) for p in got[0].problems or []] == [("platform", "conflicting_rows")]
    assert "line 3" in (got[0].problems or [])[0]["reason"]


def test_a_row_without_parcel_id_after_a_consignment_rejects_it_too() -> None:
    """The probe's case: every consignment column blank, a leather handbag in the goods columns, right after C1's
    phone case. C1 was accepted without it (lane 1, exempt); it may be C1's, so C1 is not accepted."""
    orphan = b",,,,,,,,leather handbag,CNY,3000.00\n"
    got = list(parse.items([_HEADER + _row("C1") + orphan + _row("C2")], "csv", 10_000))
    assert [(i.line_no, i.parcel_id, [p["code"] for p in i.problems or []]) for i in got] == [
        (2, "C1", ["unreadable_row"]), (3, None, []), (4, "C2", [])]
    assert "line 3" in (got[0].problems or [])[0]["reason"] and "parcel_id" in (got[0].problems or [])[0]["reason"]
    assert got[1].obj is not None and got[1].obj["parcel_id"] == ""  # rejected by the record check: parcel_id
    # First in the file: nothing before it to reject.
    assert _outcome(_HEADER + orphan + _row("C1")) == [(2, None, "ok"), (3, "C1", "ok")]


def test_a_parcel_over_many_rows_keeps_one_row_past_the_limit_and_is_rejected_for_it() -> None:
    from smartcustoms.ecommerce.records import check_record

    rows = _HEADER + _row("C1") * 5000 + _row("C2")
    got = list(parse.items([rows], "csv", 10_000, max_goods=100))
    assert len(got[0].obj["goods"]) == 101 and got[1].obj["parcel_id"] == "C2"
    rec, problems = check_record(got[0].obj, got[0].line_no, 100)
    assert rec is None and [(p["field"], p["code"]) for p in problems] == [("goods", "too_many_lines")]
    exact = list(parse.items([_HEADER + _row("C1") * 100], "csv", 10_000, max_goods=100))
    assert check_record(exact[0].obj, 2, 100)[0] is not None


def test_a_csv_column_named_twice_is_a_per_file_error() -> None:
    with pytest.raises(parse.ManifestError) as exc:
        list(parse.items([_HEADER.rstrip(b"\n") + b",value\n" + _row("C1").rstrip(b"\n") + b",99999\n"], "csv",
                         10_000))
    assert exc.value.code == "bad_header" and "value" in exc.value.reason


def test_a_csv_manifest_cut_short_accepts_neither_the_cut_row_nor_the_consignment_it_may_continue() -> None:
    data = _HEADER + _row("C0") + _row("C1") + _row("C1", "gaming keyboard", "9000.00")
    cut_inside = data[:-6]  # ",9000.00\n" cut to ",90": a whole row to the csv reader, with a tenth of the value
    assert _outcome(cut_inside, cut=True) == [(2, "C0", "ok"), (3, "C1", "unreadable_row"), (4, None, "truncated")]
    assert _outcome(data, cut=True) == [(2, "C0", "ok"), (3, "C1", "truncated")]  # cut at a line end
    # A file that simply ends without a line end is whole.
    assert _outcome(data.rstrip(b"\n")) == [(2, "C0", "ok"), (3, "C1", "ok")]


@pytest.mark.parametrize("blank", ["", "\n", "\n\n", "\r\n", " \n"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_utf16_or_utf32_without_a_byte_order_mark_is_a_per_file_error(encoding: str, fmt: str, blank: str) -> None:
    # Blank lines first: in UTF-16LE the first line is then empty and the NUL starts the second.
    text = blank + ((_HEADER + _row("C1")).decode() if fmt == "csv" else '{"parcel_id": "A1"}\n')
    with pytest.raises(parse.ManifestError) as exc:
        list(parse.items([text.encode(encoding)], fmt, 10_000))
    assert exc.value.code == "not_utf8" and "NUL" in exc.value.reason


def test_an_unreadable_row_rejects_only_the_consignments_next_to_it() -> None:
    sjis_a = _row("A", "\u643a\u5e2f").decode().encode("shift_jis")  # only its encoding is wrong: parcel A's
    # Line 2 (parcel unknown) is next to A's unreadable row, not to B: B is whole.
    assert _outcome(_HEADER + b"only,three,fields\n" + sjis_a + _row("B")) == [
        (2, None, "wrong_field_count"), (3, "A", "not_utf8"), (4, "B", "ok")]
    # A's row after an unreadable row of unknown parcel: rejected, naming the nearer line.
    got = list(parse.items([_HEADER + sjis_a + b"only,three,fields\n" + _row("A")], "csv", 10_000))
    assert [(i.line_no, i.problems[0]["code"] if i.problems else "ok") for i in got] == [
        (2, "not_utf8"), (3, "wrong_field_count"), (4, "unreadable_row")]
    assert "line 3" in (got[2].problems or [])[0]["reason"]


@pytest.mark.parametrize(("line", "field"), [
    (b'{"parcel_id":"D1","goods":[{"value":"25000","currency":"JPY","value":"100"}]}', "goods[0].value"),
    (b'{"parcel_id":"D1","goods":[{"value":"1"},{"currency":"USD","currency":"JPY"}]}', "goods[1].currency"),
    (b'{"parcel_id":"D1","parcel_id":"D2"}', "parcel_id"),
    (b'{"parcel_id":"D1","seller":{"id":"S-1","id":"S-2"}}', "seller.id"),
    # A colon escaped in a text cannot hide the key given twice.
    (b'{"parcel_id":"D1","note":"a\\u003ab","goods":[{"value":"9","value":"1"}]}', "goods[0].value"),
    (b'{"parcel_id" : "D1", "goods" : [ {"value" : "9", "value" : "1"} ] }', "goods[0].value"),
])
def test_a_key_given_twice_in_one_object_is_rejected_naming_it(line: bytes, field: str) -> None:
    for deferred in (False, True):
        got = [parse.decoded(i) for i in parse.items([line + b"\n"], "jsonl", 10_000, deferred=deferred)]
        assert got[0].obj is None and got[0].problems is not None
        assert [(p["field"], p["code"]) for p in got[0].problems] == [(field, "duplicate_key")]
        assert got[0].parcel_id in ("D1", "D2")


def test_colons_in_text_are_not_keys_given_twice() -> None:
    line = b'{"parcel_id":"D1","description":"USB-C: 2 m, 12:30","url":"https://x.example/a"}\n'
    got = list(parse.items([line], "jsonl", 10_000))
    assert got[0].problems is None and got[0].obj["description"] == "USB-C: 2 m, 12:30"


def test_nesting_beyond_the_limit_is_refused_without_a_crash_and_cannot_hide_a_key_given_twice() -> None:
    def line(depth: int, twice: bool = False) -> bytes:
        value = b'"value":"25000","value":"100"' if twice else b'"value":"25000"'
        return (b'{"parcel_id":"N1","goods":[{' + value + b'}],"x":' + b"[" * depth + b"]" * depth + b"}\n")

    for depth in (40, 900, 1000):  # orjson reads up to 1,024; Python's recursion stopped near 950
        for twice in (False, True):
            got = [parse.decoded(i) for i in parse.items([line(depth, twice)], "jsonl", 100_000, deferred=True)]
            assert [(p["field"], p["code"]) for p in got[0].problems or []] == [("line", "too_deep")], depth
    got = list(parse.items([line(parse.MAX_DEPTH - 3, True)], "jsonl", 100_000))
    assert [(p["field"], p["code"]) for p in got[0].problems or []] == [("goods[0].value", "duplicate_key")]
    assert next(parse.items([line(parse.MAX_DEPTH - 3)], "jsonl", 100_000)).problems is None


def test_a_cut_line_of_japanese_text_is_truncated() -> None:
    """orjson counts the error's position in characters: measured in bytes, a cut Japanese address read as
    malformed rather than cut short."""
    cut = '{"parcel_id":"J1","consignee":{"address":"東京都世田谷区1-2'.encode()
    got = list(parse.items([b'{"parcel_id":"A"}\n' + cut], "jsonl", 1000))
    assert got[1].problems and got[1].problems[0]["code"] == "truncated"


def test_csv_rows_of_empty_fields_are_blank_lines() -> None:
    """A spreadsheet's trailing ",,,," rows: skipped, not taken for a goods line without a parcel_id."""
    got = list(parse.items([_HEADER + _row("C1") + b",,,,,,,,,,\n" + b" , ,,,,,,,,,\n"], "csv", 10_000))
    assert [(i.line_no, i.problems) for i in got] == [(2, None)]

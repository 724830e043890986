"""Pure, incremental reading of manifests: bytes in any slicing → numbered lines → records (JSON Lines or CSV).

Nothing here holds more than one line (or one CSV consignment) beyond the caller's chunk: a manifest of any size
is read in bounded memory.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from smartcustoms.ecommerce.records import Problem, problem, readable_parcel_id

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# CSV: one row per goods line; consecutive rows with the same parcel_id are one consignment.
CSV_CONSIGNMENT = ("parcel_id", "platform", "seller_id", "seller_name", "seller_country", "seller_registration_id",
                   "mail_order", "consignee_name", "consignee_address", "consignee_id", "delivery_place",
                   "personal_use")
CSV_GOODS = ("description", "hs_code", "quantity", "unit", "net_mass_kg", "value", "currency", "origin_country")
CSV_COLUMNS = CSV_CONSIGNMENT + CSV_GOODS
CSV_REQUIRED = ("parcel_id", "platform", "seller_id", "seller_name", "seller_country", "consignee_name",
                "consignee_address", "delivery_place", "description", "value", "currency")


class ManifestError(ValueError):
    """A problem with the whole file (encoding, CSV header): nothing after it can be read."""

    def __init__(self, field: str, reason: str, code: str) -> None:
        super().__init__(reason)
        self.field, self.reason, self.code = field, reason, code

    def to_dict(self) -> Problem:
        return problem(self.field, self.reason, self.code)


@dataclass(slots=True)
class Line:
    """One physical line of the file (without its line end)."""

    no: int
    data: bytes
    oversize: bool = False  # longer than the limit: data is only its head
    last_without_end: bool = False  # the file ended inside this line


@dataclass(slots=True)
class Item:
    """One consignment as read: a JSON-shaped object, or the problems that kept it from being read.

    A deferred JSON line carries its bytes in `raw` (obj None) until `decoded` reads it: the reading then happens
    where the record is checked (in the intake's worker process), not where the file is split into lines.
    """

    line_no: int
    obj: Any
    problems: list[Problem] | None = None
    parcel_id: str | None = None
    raw: bytes | None = None
    last: bool = False  # raw: the file ended inside this line
    rows: tuple[int, ...] | None = None  # CSV: the line of each goods row kept (csv_places)


_HEAD = 200  # bytes kept of a line over the size limit (the rest is dropped as it arrives)


class LineSplitter:
    """Feeds on byte slices and returns the complete lines seen so far; lines over `max_line` are cut short."""

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self.buf = bytearray()
        self.no = 0
        self.skipping = False  # inside an oversize line: drop bytes up to its end
        self.first = True

    def feed(self, data: bytes) -> list[Line]:
        """Lines completed by `data`."""
        if self.first and data:
            if len(self.buf) + len(data) < 3 and BOM.startswith(bytes(self.buf) + data):
                self.buf += data
                return []
            data = bytes(self.buf) + data
            self.buf.clear()
            self.first = False
            if data.startswith(UTF16_BOMS):
                raise ManifestError("encoding", "the file is UTF-16: send UTF-8 (JSON Lines and CSV)", "not_utf8")
            if data.startswith(BOM):
                data = data[3:]
        out: list[Line] = []
        pieces = data.split(b"\n")
        rest = pieces.pop()  # after the last line end: the start of a line still to come
        if pieces:
            no = self.no + 1
            first = 0
            if self.skipping:  # the first line end closes an oversize line: its head is all that was kept
                out.append(Line(no, (bytes(self.buf) + pieces[0][:_HEAD])[:_HEAD], oversize=True))
                self.skipping = False
                first = 1
            elif self.buf:  # the first line continues what the previous slices left
                pieces[0] = bytes(self.buf) + pieces[0]
            self.buf.clear()
            max_line = self.max_line
            for i, piece in enumerate(pieces[first:] if first else pieces, no + first):
                if len(piece) > max_line:
                    out.append(Line(i, piece[:_HEAD], oversize=True))
                elif piece[-1:] == b"\r":
                    out.append(Line(i, piece[:-1]))
                else:
                    out.append(Line(i, piece))
            self.no += len(pieces)
        if self.skipping:
            if len(self.buf) < _HEAD:  # the head of an oversize line is its first _HEAD bytes, however sliced
                self.buf += rest[:_HEAD - len(self.buf)]
            return out
        if len(self.buf) + len(rest) > self.max_line:
            self.buf = bytearray((bytes(self.buf) + rest)[:_HEAD])
            self.skipping = True
        else:
            self.buf += rest
        return out

    def close(self) -> list[Line]:
        """The last line when the file does not end with a line end."""
        if self.first and self.buf:
            data, self.buf, self.first = bytes(self.buf), bytearray(), False
            return self.feed(data) + self.close()
        if not self.buf and not self.skipping:
            return []
        self.no += 1
        line = Line(self.no, bytes(self.buf), oversize=self.skipping, last_without_end=True)
        self.buf.clear()
        self.skipping = False
        return [line]


def split_lines(chunks: Iterable[bytes], max_line: int) -> Iterator[Line]:
    """Every line of a byte stream."""
    splitter = LineSplitter(max_line)
    for chunk in chunks:
        yield from splitter.feed(chunk)
    yield from splitter.close()


_CR_ALONE = "end each line with LF or CRLF, not CR alone"


def _cr_alone(data: bytes) -> bool:
    """A carriage return inside a line (not at its end): the file's lines end with CR alone (old Mac, some
    exports), so the whole file reads as one line."""
    return b"\r" in data.rstrip(b"\r")


def _too_long(max_line: int, head: bytes = b"") -> Problem:
    hint = f" (a carriage return inside the line: {_CR_ALONE})" if _cr_alone(head) else ""
    return problem("line", f"longer than {max_line} bytes{hint}", "line_too_long")


def jsonl_items(lines: Iterable[Line], max_line: int, deferred: bool = False) -> Iterator[Item]:
    """JSON Lines: one consignment object per line; blank lines are skipped (deferred: not read yet)."""
    for line in lines:
        if line.oversize:
            yield Item(line.no, None, [_too_long(max_line, line.data)])
            continue
        data = line.data
        if not data or data.isspace():
            continue
        if deferred:
            yield Item(line.no, None, None, None, data, line.last_without_end)
            continue
        yield _jsonl_item(line.no, data, line.last_without_end)


def _jsonl_item(no: int, data: bytes, last: bool) -> Item:
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        # The file's last line, without a line end, is taken for cut short only where the JSON ends before it is
        # complete (the error at the end of the text); a trailing comma there is a plain syntax error.
        at_end = last and exc.pos >= len(exc.doc.rstrip())  # both in characters (the text may be Japanese)
        return Item(no, None, [_json_problem(data, str(exc), at_end)])
    # A key given twice in one object: orjson keeps the last silently, other readers the first, so the same line
    # could be read as ¥25,000 upstream and ¥100 here. Every key is followed by a colon, so a line with no more
    # colons than keys has none twice (one count in C and a walk of the keys: ~3 µs here); only a line with colons in
    # its text as well is read again to look.
    if type(obj) is dict:
        keys = _keys(obj)
        if keys < 0:
            return Item(no, None, [problem("line", f"nested more than {MAX_DEPTH} levels deep: a consignment needs "
                                                   "three", "too_deep")], readable_parcel_id(obj))
        if data.count(b":") > keys:
            twice = _duplicate_key(data)
            if twice is not None:
                return Item(no, None, [problem(twice, "given twice in one object: which one holds the value? (send "
                                                      "each key once)", "duplicate_key")], readable_parcel_id(obj))
    return Item(no, obj, None, readable_parcel_id(obj))


MAX_DEPTH = 32  # objects and arrays within each other in one line (a consignment needs three: goods[i].value)


def _keys(obj: dict[str, Any]) -> int:
    """The keys of every object in a decoded JSON object (exact, so that a line passing the colon count has no key
    given twice, however its text is escaped); -1 when it nests deeper than MAX_DEPTH (orjson reads 1,024 levels,
    deeper than Python's own recursion goes: such a line can be neither walked nor read again)."""
    n = len(obj)
    todo: list[tuple[Any, int]] = []
    for v in obj.values():
        t = type(v)
        if t is dict or t is list:
            todo.append((v, 2))
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            return -1
        if type(node) is dict:
            n += len(node)
            values: Any = node.values()
        else:
            values = node
        for v in values:
            t = type(v)
            if t is dict or t is list:
                todo.append((v, depth + 1))
    return n


class _Pairs(list[tuple[str, Any]]):
    """An object's key-value pairs in order, duplicates kept."""


def _duplicate_key(data: bytes) -> str | None:
    """The path of the first key given twice in one object of the line (None: none)."""
    try:
        tree = json.loads(data, object_pairs_hook=_Pairs)
    except ValueError:  # orjson read it; nesting is bounded by MAX_DEPTH before this is asked
        return None
    return _first_twice(tree, "")


def _first_twice(node: Any, path: str) -> str | None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, _ in node:
            if key in seen:
                return f"{path}.{key}" if path else key
            seen.add(key)
        for key, value in node:
            found = _first_twice(value, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = _first_twice(value, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def decoded(item: Item) -> Item:
    """The item with a deferred JSON line read (the same item as jsonl_items gives); others as they are."""
    return item if item.raw is None else _jsonl_item(item.line_no, item.raw, item.last)


def _json_problem(data: bytes, message: str, last: bool) -> Problem:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return problem("line", f"not UTF-8 (byte {exc.start + 1} of the line): send UTF-8", "not_utf8")
    if last:
        return problem("line", f"malformed JSON: {message} (the file ends inside this line: truncated?)",
                       "truncated")
    if _cr_alone(data):
        message += f" (a carriage return inside the line: {_CR_ALONE})"
    return problem("line", f"malformed JSON: {message}", "malformed_json")


def _csv_row(text: str) -> list[str]:
    return next(csv.reader([text], strict=True))


# A consignment's field path -> its CSV column (goods lines: goods[i].<column>).
_CSV_COLUMN_OF = {"parcel_id": "parcel_id", "platform": "platform", "seller.id": "seller_id",
                  "seller.name": "seller_name", "seller.country": "seller_country",
                  "seller.registration_id": "seller_registration_id", "mail_order": "mail_order",
                  "consignee.name": "consignee_name", "consignee.address": "consignee_address",
                  "consignee.id": "consignee_id", "delivery_place": "delivery_place", "personal_use": "personal_use"}
_GOODS_FIELD = re.compile(r"goods\[(\d+)\]\.(\w+)")


def csv_places(problems: list[Problem], rows: tuple[int, ...]) -> list[Problem]:
    """The problems of a CSV consignment with where they are in the file: `csv_line` (the physical line of the row)
    and `column` (the CSV column) beside the field path, which stays the same for JSON Lines and CSV. A goods
    line's problem is on its own row; the consignment's on its first row."""
    out: list[Problem] = []
    for p in problems:
        field = p.get("field", "")
        m = _GOODS_FIELD.fullmatch(field)
        if m is not None and int(m.group(1)) < len(rows) and m.group(2) in CSV_GOODS:
            p = {**p, "csv_line": rows[int(m.group(1))], "column": m.group(2)}
        elif field in _CSV_COLUMN_OF:
            p = {**p, "csv_line": rows[0], "column": _CSV_COLUMN_OF[field]}
        elif rows:
            p = {**p, "csv_line": rows[0]}
        out.append(p)
    return out


def _never() -> bool:
    return False


def csv_items(lines: Iterable[Line], max_line: int, cut: Callable[[], bool] = _never,
              max_goods: int = 100) -> Iterator[Item]:
    """CSV with a header row; consecutive rows of one parcel_id are the goods lines of one consignment.

    A consignment is never accepted with goods lines missing or disagreeing:
    - a row that cannot be read (not UTF-8, malformed, the wrong number of fields, over the size limit) gets its
      own rejection, and the consignment it may belong to is rejected whole. When the row's parcel id can be read
      (a row whose only fault is its encoding), that is the consignment of that parcel id; otherwise both its
      neighbours are: the consignment open before it and the one starting right after it (unless the rows after
      it continue the one before, which then holds it). A neighbour rejected this way is whole in fact only when
      the unreadable row was a consignment of its own: its rejection says so, and sending it again stores it.
    - the rows of one parcel must agree on the consignment's fields (platform, seller, consignee, flags); a later
      row may leave them blank.
    - a readable row without a parcel_id right after a consignment's rows may be one of its goods lines: that
      consignment is rejected too (its own rejection says so), as for an unreadable row of unknown parcel.
    - a parcel's rows past `max_goods` are counted, not kept (one parcel id over millions of rows must not hold
      them all in memory): the consignment is rejected for too many goods lines.
    - when the manifest was cut (`cut()` true at its end: the size limit, or the client's connection lost), its
      last line without a line end is a fragment (a row cut inside its last field would read as a shorter
      value) and the consignment open at the cut may continue past it: both are rejected as truncated.
    """
    it = iter(lines)
    header: list[str] | None = None
    for line in it:
        if _cr_alone(line.data):
            raise ManifestError("header", f"a carriage return inside the header row: {_CR_ALONE}", "bad_header")
        if line.oversize:
            raise ManifestError("header", f"the header row is longer than {max_line} bytes", "bad_header")
        if line.data.strip():
            try:
                header = [h.strip().lower() for h in _csv_row(line.data.decode("utf-8"))]
            except (UnicodeDecodeError, csv.Error) as exc:
                raise ManifestError("header", f"unreadable CSV header: {exc}", "bad_header") from None
            break
    if header is None:
        return
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise ManifestError("header", f"missing columns: {', '.join(missing)} (expected {', '.join(CSV_COLUMNS)})",
                            "bad_header")
    twice = [c for c in CSV_COLUMNS if header.count(c) > 1]
    if twice:
        raise ManifestError("header", f"columns named twice: {', '.join(twice)} (which one holds the value?)",
                            "bad_header")
    index = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    heads = [name for name in CSV_CONSIGNMENT if name in index and name != "parcel_id"]
    width = len(header)
    current: dict[str, Any] | None = None
    poison_pid: tuple[str, int] | None = None  # an unreadable row of this parcel id (and its line) came last
    poison_next: int | None = None  # an unreadable row whose parcel id is unknown came last (its line)
    for line in it:
        if not line.oversize and not line.data.strip():
            continue
        fragment = line.last_without_end and cut()
        bad, row = _csv_read(line, width, max_line, fragment)
        if bad is None:
            if not any(field.strip() for field in row):
                continue  # a row of empty fields (",,,,", a spreadsheet's trailing rows): a blank line
            values = {name: row[i] for name, i in index.items()}
            pid = values["parcel_id"].strip()
            goods = {k: values.get(k, "") for k in CSV_GOODS}
            if current is not None and pid and current["parcel_id"] == pid:
                _agree(current, values, heads, line.no)
                if len(current["goods"]) < max_goods + 1:  # one past the limit: check_record names the limit
                    current["goods"].append(goods)
                    current["_rows"].append(line.no)
                continue
            if current is not None:
                if not pid:
                    current["_problems"].append(problem(
                        "line", f"line {line.no}, right after this consignment's rows, has no parcel_id and may be "
                        "one of its goods lines: the consignment is not accepted (give that line its parcel_id, "
                        "or remove it, and send the consignment again)", "unreadable_row"))
                yield _finish(current)
            current = _consignment(values, goods, line.no)
            current["_head"] = {name: values[name] for name in heads}
            # The parcel's rows after an unreadable row of its own (that row's line), or after one of unknown parcel
            # (poison_next): either way rejected, naming the nearer.
            own = poison_pid[1] if poison_pid is not None and pid == poison_pid[0] else None
            if poison_next is not None and (own is None or poison_next > own):
                current["_problems"].append(_neighbour(poison_next, "before"))
            elif own is not None:
                current["_problems"].append(_neighbour(own, "", known=True))
            poison_next = poison_pid = None
            continue
        # An unreadable row: which consignment it belongs to decides which ones cannot be accepted. Results stay
        # in line order: the consignment open before it is closed first, and its rows after it are rejected with
        # it as a group of their own.
        guess = _guess_parcel_id(line, width, index) if bad["code"] == "not_utf8" else None
        if guess is not None:
            poison_pid = (guess, line.no)
        if current is not None:
            if guess is None or guess == current["parcel_id"]:
                current["_problems"].append(_neighbour(line.no, "after", known=guess is not None))
                poison_pid = (current["parcel_id"], line.no)
            yield _finish(current)
            current = None
        # An unreadable row of unknown parcel is next to the consignment starting after it; a row whose parcel is
        # known starts (or continues) its own, so a row of unknown parcel before it is no longer next to the one after.
        poison_next = line.no if guess is None else None
        yield Item(line.no, None, [bad], guess)
    if current is not None:
        if cut():
            current["_problems"].append(problem("line", "the manifest was cut off while this consignment's rows "
                                                "were being read: they may continue past the cut (send it again)",
                                                "truncated"))
        yield _finish(current)


def _csv_read(line: Line, width: int, max_line: int, fragment: bool) -> tuple[Problem | None, list[str]]:
    """A data row's fields, or the problem that keeps it from being read."""
    if line.oversize:
        return _too_long(max_line, line.data), []
    if fragment:
        return problem("line", "the manifest was cut off inside this line (size limit or connection lost): "
                       "it is incomplete", "truncated"), []
    try:
        row = _csv_row(line.data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return problem("line", f"not UTF-8 (byte {exc.start + 1} of the line): send UTF-8", "not_utf8"), []
    except csv.Error as exc:
        return problem("line", f"malformed CSV: {exc}" + (" (truncated?)" if line.last_without_end else ""),
                       "truncated" if line.last_without_end else "malformed_csv"), []
    if len(row) != width:
        reason = f"{len(row)} fields where the header has {width}"
        return problem("line", reason + (" (the file ends inside this line: truncated?)"
                                         if line.last_without_end else ""),
                       "truncated" if line.last_without_end else "wrong_field_count"), []
    return None, row


def _guess_parcel_id(line: Line, width: int, index: dict[str, int]) -> str | None:
    """The parcel id of a row that is not UTF-8, when the rest of the row reads (its bytes elsewhere are bad)."""
    try:
        row = _csv_row(line.data.decode("utf-8", errors="replace"))
    except csv.Error:
        return None
    if len(row) != width:
        return None
    pid = row[index["parcel_id"]].strip()
    return pid if pid and "\ufffd" not in pid else None


def _neighbour(line_no: int, where: str, known: bool = False) -> Problem:
    if known:
        reason = (f"line {line_no}, among this parcel's goods lines, could not be read: the consignment is not "
                  "accepted without it (correct that line and send the consignment again)")
    else:
        reason = (f"line {line_no}, next to this consignment's rows ({where} them), could not be read and may be "
                  "one of its goods lines: the consignment is not accepted (correct that line and send the "
                  "consignment again; if that line was a consignment of its own, send this one again as it is)")
    return problem("line", reason, "unreadable_row")


def _agree(current: dict[str, Any], values: dict[str, str], heads: list[str], line_no: int) -> None:
    """A later row of a parcel: its consignment fields blank or as on the parcel's first row."""
    for name in heads:
        value = values[name]
        if value.strip() and value.strip() != current["_head"][name].strip():
            current["_problems"].append(problem(
                name, f"line {line_no} gives {value[:40]!r} where line {current['_line']} of the same parcel gives "
                f"{current['_head'][name][:40]!r}: the rows of one parcel must agree (or leave it blank)",
                "conflicting_rows"))


def _consignment(v: dict[str, str], goods: dict[str, str], line_no: int) -> dict[str, Any]:
    return {
        "_line": line_no, "parcel_id": v["parcel_id"].strip(), "platform": v["platform"],
        "seller": {"id": v["seller_id"], "name": v["seller_name"], "country": v["seller_country"],
                   "registration_id": v.get("seller_registration_id", "")},
        "mail_order": v.get("mail_order", ""), "personal_use": v.get("personal_use", ""),
        "consignee": {"name": v["consignee_name"], "address": v["consignee_address"], "id": v.get("consignee_id", "")},
        "delivery_place": v["delivery_place"], "goods": [goods], "_problems": [], "_rows": [line_no],
    }


def _finish(obj: dict[str, Any]) -> Item:
    """The consignment read (or rejected whole, with the problems of its rows)."""
    line, problems, rows = obj.pop("_line"), obj.pop("_problems"), tuple(obj.pop("_rows"))
    obj.pop("_head", None)
    if problems:
        return Item(line, None, problems, readable_parcel_id(obj), rows=rows)
    return Item(line, obj, None, readable_parcel_id(obj), rows=rows)


def items(chunks: Iterable[bytes], fmt: str, max_line: int, deferred: bool = False,
          cut: Callable[[], bool] = _never, max_goods: int = 100) -> Iterator[Item]:
    """The consignments of a manifest in format `fmt` ('jsonl' or 'csv'), read incrementally (deferred: JSON
    lines are left for `decoded`). `cut`: whether the bytes stopped short of the manifest's end (asked once they
    have stopped); a JSON line cut short is never valid JSON, a CSV row can be (csv_items)."""
    lines = _utf8_start(split_lines(chunks, max_line))
    return jsonl_items(lines, max_line, deferred) if fmt == "jsonl" else csv_items(lines, max_line, cut, max_goods)


def _utf8_start(lines: Iterator[Line]) -> Iterator[Line]:
    """The lines, once the first that is not blank has shown no sign of UTF-16 or UTF-32 without a byte order
    mark: a NUL byte among its first four (UTF-8 text has none; those encodings have one in each ASCII character).
    Blank lines before it are passed on unchecked: in UTF-16LE a file that starts with an empty line splits into an
    empty line and a line that starts with the NUL byte of its line feed."""
    for line in lines:
        if b"\x00" in line.data[:4]:
            raise ManifestError("encoding", "the file starts with NUL bytes (UTF-16 or UTF-32 without a byte order "
                                "mark?): send UTF-8 (JSON Lines and CSV)", "not_utf8")
        yield line
        if line.data.strip():
            break
    yield from lines


def format_of(content_type: str | None, filename: str | None = None) -> str | None:
    """'jsonl' or 'csv' from a Content-Type (or a file name), None when neither."""
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct in ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-seq",
              "application/ndjson", "application/jsonlines"):
        return "jsonl"
    if ct in ("text/csv", "application/csv"):
        return "csv"
    if filename:
        lower = filename.lower()
        if lower.endswith((".jsonl", ".ndjson")):
            return "jsonl"
        if lower.endswith(".csv"):
            return "csv"
    return None

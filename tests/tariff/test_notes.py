"""The assessment's notes, written by the calculation, said in Japanese on Japanese pages from their own figures."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from smartcustoms.tariff.notes import say
from smartcustoms.tariff.tables import read_tables

from .test_calc import line, run
from .test_tables import copy_data

# What a note said in English is gone once said in Japanese: no run of three Latin words is left but the data
# (descriptions and sources) the note carries.
_ENGLISH = re.compile(r"[A-Za-z]+(?:[ -][A-Za-z]+){2,}")


def _notes(*runs: object) -> list[str]:
    return [n for a in runs for x in a.lines for n in x.notes]  # type: ignore[attr-defined]


def _data_free(ja: str, note: str) -> str:
    """The Japanese note less the stored data it repeats (descriptions, sources)."""
    data = re.findall(r"\(([^()]*)\)", note) + re.findall(r": (.+?) \(HS", note) + re.findall(r" for (.+?) \(", note)
    for quoted in sorted(data, key=len, reverse=True):  # a description may hold a bracket of its own
        ja = ja.replace(quoted.removesuffix("; unverified"), "")
    return ja


def test_every_note_the_calculation_writes_is_said_in_japanese_with_its_figures(tmp_path: Path) -> None:
    d = copy_data(tmp_path)
    (d / "valuation-ratios.csv").write_text(  # the ratio abolished from 2026-10-01 (the row with an empty ratio)
        (d / "valuation-ratios.csv").read_text(encoding="utf-8")
        .replace(",0.6,2014-04-01,,", ",0.6,2014-04-01,2026-09-30,")
        + "personal_use_valuation_ratio,,2026-10-01,,test,false,\n", encoding="utf-8")
    abolished = read_tables(d)
    notes = _notes(
        run(line(5_000, hs="420221", rate="0.1", no=1), line(3_000, no=2), personal_use=True),  # excluded, exempt
        run(line(100_000, hs="090121", rate="0.12", claimed="0.12", ct="reduced")),  # simplified, mismatch
        run(line(50_000, hs="610910", rate="0.1")),  # no simplified rate for knitted goods
        run(line(100_000, hs="090121", rate="0.12", claimed="0.12"), opt_out=True),
        run(line(300_000, rate=None, claimed="0.05")),  # the claimed rate
        run(line(300_000, rate="0.1", claimed="0.05")),  # a mismatch with the schedule's rate
        run(line(50_000, ct="reduced"), on=date(2019, 6, 1)),  # no reduced rate before 2019-10-01
        run(line(50_000), personal_use=True, on=date(2026, 11, 1), tables=abolished),
    )
    for start in ("personal-use valuation", "personal-use ratio not in force", "importer opted", "no simplified rate",
                  "simplified rate", "no tariff schedule rate", "not exempt", "low-value exemption",
                  "rate mismatch: claimed 12%, simplified", "rate mismatch: claimed 5%, tariff",
                  "no reduced consumption-tax rate"):
        assert any(n.startswith(start) for n in notes), start  # every kind of note is met
    for note in notes:
        ja = say(note, "ja")
        assert ja != note, note
        assert not _ENGLISH.search(_data_free(ja, note)), (note, ja)
        for figure in re.findall(r"¥[0-9]+(?:,[0-9]{3})*|[0-9]+(?:\.[0-9]+)?%|\b0\.[0-9]+\b|\d{4}-\d\d-\d\d", note):
            as_percent = f"{(Decimal(figure) * 100).normalize():f}%" if figure.startswith("0.") else figure
            assert figure in ja or as_percent in ja, (note, ja, figure)  # the figures are the note's own
        assert say(note, "en") == note


def test_a_note_of_another_shape_is_shown_as_stored() -> None:
    for note in ("an assessor's remark", "low-value exemption: something else", ""):
        assert say(note, "ja") == note

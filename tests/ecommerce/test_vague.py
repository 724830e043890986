"""Vague goods descriptions: which descriptions are matched, and the lane-2 hit they give."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smartcustoms.ecommerce import vague
from smartcustoms.ecommerce.records import Goods


def _goods(*descriptions: str) -> list[Goods]:
    return [Goods(d, "392690", Decimal(1), "PCE", Decimal("0.1"), Decimal(500), "JPY", "CN") for d in descriptions]


@pytest.mark.parametrize("text", ["gift", "Gift", "GIFTS", "  gift. ", "Free  Sample", "「サンプル」", "ｐａｒｔｓ",
                                  "配件", "贈り物！", "N/A", "n.a.", "said to contain", "Spare part", "赠品", "禮物",
                                  "-", "???", "・・・"])
def test_a_whole_description_that_is_a_generic_term_is_vague(text: str) -> None:
    assert vague.vague_lines(_goods(text)) == [1]


@pytest.mark.parametrize("text", ["phone accessories", "gift box of green tea", "plastic phone case", "samples of "
                                  "cotton fabric", "ギフト用の革財布", "bicycle parts: brake levers", "giftware",
                                  "Gift card", "手机配件", "No.5 perfume", "3-pack socks"])
def test_a_description_that_names_the_goods_is_not_vague(text: str) -> None:
    assert vague.vague_lines(_goods(text)) == []


def test_the_hit_names_every_vague_line_and_what_it_said() -> None:
    goods = _goods("cotton T-shirt", "Gift", "wireless earphones", "部品")
    lines = vague.vague_lines(goods)
    hit = vague.vague_hit(goods, lines)
    assert lines == [2, 4]
    assert (hit["kind"], hit["lane"], hit["lines"]) == ("description", 2, [2, 4])
    assert hit["matched"] == {"description": ["Gift", "部品"]}
    assert "line 2 'Gift'" in hit["reason"] and "line 4 '部品'" in hit["reason"]


def test_every_listed_term_is_matched_and_none_is_empty() -> None:
    import csv
    from importlib import resources

    text = (resources.files("smartcustoms.ecommerce") / "data" / "vague-descriptions.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) >= 40 and {r["language"] for r in rows} == {"en", "ja", "zh"}
    for r in rows:
        assert vague.vague_lines(_goods(r["term"])) == [1], r["term"]
        assert vague.vague_lines(_goods(f"{r['term']} of cotton")) == [], r["term"]

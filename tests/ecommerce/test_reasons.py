"""Lane reasons in Japanese, said from the data each reason was stored with (made by the intake's own code)."""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from smartcustoms.ecommerce import pipeline, reasons
from smartcustoms.ecommerce.records import Goods
from smartcustoms.ecommerce.split import SplitHit
from smartcustoms.ecommerce.vague import vague_hit
from smartcustoms.ecommerce.valueref import Band, Finding, value_hit
from smartcustoms.risk import rules
from smartcustoms.tariff.tables import load_tables

LATIN = re.compile(r"[A-Za-z]{3,}")  # an English word ("HS" and "z" are shorter)


def _goods(description: str) -> Goods:
    return Goods(description, "392690", Decimal(1), "PCE", Decimal(0), Decimal(10), "USD", "CN")


def _stored() -> dict[str, dict[str, Any]]:
    band = Band("392690", "PCE", 1200, math.log(800), 0.5)
    return {
        "no_rate": pipeline.no_rate_hit(["950300", "420292"]) or {},
        "excise": pipeline.excise_hit(["220421", "240220"], load_tables(), date(2026, 11, 1)),
        "split": pipeline._split_hit(SplitHit("G-7F3A", 14_500, ["c1", "c2", "c3"]), 10_000).to_dict(),
        "description": vague_hit([_goods("phone case"), _goods("gift")], [2]),
        "value": value_hit([Finding(1, "392690", 61.4, band, -5.21)]),
        "model": pipeline.decide([], rules.ScoreSignal("v3", 0.9123, 3, "risk score 0.912 (percentile 99.1) "
                                                       "within the model's lane 3 share"))[1][0],
        "default": rules.LaneDecision(rules.LANE_RELEASE, ()).reasons()[0],
    }


@pytest.mark.parametrize("kind", list(_stored()))
def test_each_kind_of_the_platforms_reasons_is_said_in_japanese_with_its_data(kind: str) -> None:
    stored = _stored()[kind]
    ja = reasons.shown(stored, "ja")
    assert ja["lane"] == stored["lane"] and ja["matched"] == stored["matched"]
    assert ja["reason"] != stored["reason"] and ja["profile"] != stored["profile"]
    ours = re.sub(r"G-[0-9A-F]+|「[^」]*」", "", ja["reason"])  # a group id and the carrier's quoted words aside
    assert not LATIN.findall(ja["profile"] + ours), ja
    assert reasons.shown(stored, "en") == stored  # English: as stored


def test_the_japanese_reasons_carry_the_stored_figures() -> None:
    s = {k: reasons.shown(v, "ja")["reason"] for k, v in _stored().items()}
    assert "950300、420292" in s["no_rate"]
    assert "酒税・たばこ税" in s["excise"] and "220421、240220" in s["excise"]
    assert "3個" in s["split"] and "¥14,500" in s["split"] and "G-7F3A" in s["split"]
    assert "欄 2「gift」" in s["description"] and "phone case" not in s["description"]
    assert "欄 1 HS 392690：単価 ¥61（中央値 ¥800、ロバストz -5.2）" in s["value"]
    assert "0.912" in s["model"] and "区分3" in s["model"]


def test_a_profiles_own_words_and_a_reason_of_another_shape_are_shown_as_stored() -> None:
    profile = rules.RuleHit(4, "Seller under investigation", 3, "named by the intelligence unit").to_dict()
    assert reasons.shown(profile, "ja") == profile
    odd = {**_stored()["value"], "matched": {"hs_code": ["392690"]}}  # stored by another version
    assert reasons.shown(odd, "ja") == odd
    for legacy in ("legacy text reason", None, ["a"], {"kind": "value", "matched": None}):
        assert reasons.shown(legacy, "ja") == legacy
    many = _stored()["split"]
    many = {**many, "matched": {**many["matched"], "members": [f"c{i}" for i in range(50)]}}
    assert "50個以上" in reasons.shown(many, "ja")["reason"]

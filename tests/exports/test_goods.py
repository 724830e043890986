"""Export-control data parsed from the official files, and the pure goods and destination checks."""

from __future__ import annotations

import re

import pytest

from smartcustoms.exports import control_data, goods
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def order() -> dict:
    return control_data.parse_order(shared_data("export-control", "export-trade-control-order-2026-02-14.xml"))


def test_order_items_and_catch_all_chapters(order: dict) -> None:
    numbers = [i["item"] for i in order["appended_table_1"]]
    assert numbers[0] == "1" and numbers[-1] == "16" and "3-2" in numbers
    # The chapters of item 16 (2) as the law text words them (read independently of the parser's regex).
    text = next(s for s in order["appended_table_1"][-1]["goods"] if s.startswith("（二）"))
    assert "第二五類から第四〇類まで" in text and "第九五類" in text
    chapters = set(order["catch_all_chapters"])
    assert set(range(25, 41)) <= chapters and set(range(54, 60)) <= chapters and {63, 95} <= chapters
    assert set(range(68, 94)) <= chapters
    assert not chapters & {1, 24, 41, 53, 60, 62, 64, 67, 94, 96, 97}
    assert {"US", "GB", "KR", "DE"} <= set(order["white_countries"]) and "CN" not in order["white_countries"]
    assert {"KP", "IQ", "SD"} <= set(order["un_arms_embargo_countries"])


def test_shipped_data_is_what_the_official_files_give(order: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert control_data.order()["catch_all_chapters"] == order["catch_all_chapters"]
    assert control_data.order()["white_countries"] == order["white_countries"]
    russia = control_data.parse_prohibition_yaml(shared_data("export-control", "meti-russia-export-prohibition.yml"))
    shipped = {x["list_code"]: x for x in control_data.prohibition_lists()}
    assert shipped[russia["list_code"]]["entities"] == russia["entities"]
    assert len(russia["entities"]) > 500


def test_changed_format_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "order.xml"
    bad.write_text("<Law><LawNum>x</LawNum><LawBody/></Law>", encoding="utf-8")
    with pytest.raises(control_data.FormatChanged, match="別表第一"):
        control_data.parse_order(bad)
    y = tmp_path / "list.yml"
    y.write_text("foo: bar\n", encoding="utf-8")
    with pytest.raises(control_data.FormatChanged):
        control_data.parse_prohibition_yaml(y)


def test_correlation_rows_are_marked_unverified_and_cover_items_1_to_15() -> None:
    rules = control_data.list_item_rules()
    items = {r.item for r in rules}
    assert {str(n) for n in range(1, 16)} <= items
    assert all(not r.verified for r in rules)
    assert all(r.keywords for r in rules)


T = control_data.tables()


def _check(desc: str, hs: str = "610910", dest: str = "CN", licences: tuple[str, ...] = (), flagged: bool = False):
    return goods.check([goods.GoodsLine(1, hs, desc, licences)], dest, T, flagged)


def test_keywords_and_hs_correlation() -> None:
    assert [f.entry_id for f in _check("Revolver parts", "930200")][:1] == ["item 1 (1)"]
    assert _check("Spare parts", "930200")[0].matched == "9302"  # HS alone names arms
    assert _check("５軸マシニングセンタ", "845710")[0].entry_id.startswith("item 6")  # full-width digit folded
    assert _check("Cotton T-shirts") == []
    assert _check("Suave shampoo", "330510") == []  # 'uav' is not a word here
    assert _check("DJI drone with camera", "880622")[0].entry_id.startswith("item 4")


def test_catch_all_needs_a_visible_reason_and_a_non_white_destination() -> None:
    assert _check("Ball bearings", "848210", "CN") == []
    hit = _check("Ball bearings", "848210", "CN", flagged=True)
    assert [f.entry_id for f in hit] == ["item 16"] and "End User List" in hit[0].reason
    assert _check("Ball bearings", "848210", "US", flagged=True) == []  # Appended Table 3
    assert "Appended Table 3-2" in _check("Ball bearings", "848210", "SD")[0].reason
    assert _check("Cotton T-shirts", "610910", "SD") == []  # chapter 61 is outside item 16
    # Goods of items 1-15 are not also item 16.
    assert [f.entry_id for f in _check("CNC lathe", "845811", "SD")] == ["item 6 (1)-(17)"]


def test_licence_reference_keeps_the_hit_and_says_it_is_to_be_checked() -> None:
    (hit,) = _check("CNC lathe", "845811", "CN", ("METI-2026-0001",))
    assert "METI-2026-0001" in hit.reason and "to be checked" in hit.reason
    assert hit.licence_question == goods.LICENCE_QUESTION and "FEFTA art. 48" in hit.licence_question


def test_destination_rules() -> None:
    (ru,) = _check("Cotton T-shirts", dest="RU")
    assert ru.kind == "destination" and ru.effect == "review" and "Russia" in ru.reason
    (by,) = _check("Cotton T-shirts", dest="BY")
    assert "Belarus" in by.reason
    kp = _check("Cotton T-shirts", dest="KP")
    assert [f.effect for f in kp if f.kind == "destination"] == ["prohibited"]
    # No licence question for a total ban: no licence releases such an export.
    assert [f.licence_question for f in kp if f.kind == "destination"] == [goods.PROHIBITED_NOTE]
    assert ru.licence_question == goods.LICENCE_QUESTION


def test_digest_changes_with_the_rule() -> None:
    (a,) = _check("CNC lathe", "845811")
    (b,) = _check("CNC lathe", "845811")
    assert a.digest == b.digest and re.fullmatch(r"[0-9a-f]{64}", a.digest)


def test_headings_that_name_controlled_goods_are_never_missed() -> None:
    """Unmanned aircraft (HS 8806, items 4 and 13) and lasers (HS 9013.20, item 10 (8)) hit by HS code alone, in any
    wording; radioactive elements (HS 2844, item 2) too; other 9013 goods (LCD panels) do not."""
    assert [f.entry_id for f in _check("Quadcopter, 249 g", "880621")] == ["item 4 (1-2)"]
    assert _check("Unmanned aircraft for crop spraying", "880623")[0].entry_id.startswith("item 4")
    assert _check("産業用無人機", "880622")[0].entry_id.startswith("item 4")
    assert [f.entry_id for f in _check("Lasers", "901320")] == ["item 10 (8)"]
    assert _check("ファイバーレーザー発振器", "901320")[0].entry_id == "item 10 (8)"
    assert _check("Laser oscillator module", "854140")[0].entry_id == "item 10 (8)"
    assert _check("Natural uranium", "284410")[0].entry_id.startswith("item 2")
    assert _check("Liquid crystal devices", "901380") == []
    assert _check("Laser printer", "844332") == []


def test_destination_rules_apply_to_the_consignee_and_end_user_countries() -> None:
    found = goods.check([goods.GoodsLine(1, "610910", "Cotton T-shirts")], "CN", T,
                        party_countries=[("consignee", "CN"), ("end_user", "KP")])
    assert [(f.kind, f.entry_id, f.effect) for f in found] == [("destination", "dest-kp-total-ban", "prohibited")]
    assert "end user" in found[0].reason.lower()
    # The same rule met through destination and end user is one finding.
    both = goods.check([goods.GoodsLine(1, "610910", "Cotton T-shirts")], "RU", T,
                       party_countries=[("consignee", "RU"), ("end_user", "RU")])
    assert [f.entry_id for f in both] == ["dest-ru-export-ban"]


def test_short_katakana_keywords_are_whole_words() -> None:
    """Sodium compounds are not thorium, glycine is not ricin, a shipment to Ulaanbaatar carries no uranium."""
    for hs, desc in (("250100", "塩化ナトリウム（食塩）"), ("283620", "炭酸ナトリウム"),
                     ("292249", "グリシン（アミノ酸）"), ("610910", "ウランバートル向けTシャツ")):
        assert _check(desc, hs) == [], desc
    assert _check("トリウム酸化物", "284590")[0].entry_id.startswith("item 2")
    assert _check("天然ウラン鉱", "261210")[0].entry_id.startswith("item 2")
    assert _check("リシン（毒素）", "300290")[0].entry_id.startswith("item 3-2")
    assert _check("ターボジェットエンジン部品", "841191")[0].entry_id.startswith("item 13")  # long keywords anywhere


def test_consumer_satellite_goods_are_not_spacecraft() -> None:
    assert _check("Satellite TV receiver", "852871") == []
    assert _check("Satellite dish antenna", "852910") == []
    assert _check("CubeSat 3U structure", "880260")[0].entry_id.startswith("item 13")
    assert _check("人工衛星用太陽電池パネル", "854143")[0].entry_id.startswith("item 13")


def test_obvious_catch_all_cases() -> None:
    """Computers, aircraft and lasers to a UN arms-embargo destination, or to anyone with a party on the End User
    List, ask the question; the same computers to the United States (Appended Table 3) do not."""
    for hs, desc in (("847130", "Laptop computers"), ("880240", "Passenger aircraft"), ("850440", "Power supplies")):
        assert [f.entry_id for f in _check(desc, hs, "IQ")] == ["item 16"], desc
        assert [f.entry_id for f in _check(desc, hs, "CN", flagged=True)] == ["item 16"], desc
        assert _check(desc, hs, "US", flagged=True) == [], desc
    assert [f.entry_id for f in _check("Lasers", "901320", "LY")] == ["item 10 (8)"]  # listed, so not also item 16
    assert _check("Radioactive isotopes", "284440", "US")[0].entry_id.startswith("item 2")

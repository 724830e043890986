"""Split-shipment detection: the parcel that takes a seller→consignee group over ¥10,000 is flagged with its group."""

from __future__ import annotations

import hashlib
from typing import Any

from smartcustoms.ecommerce.split import Member, SplitTracker, split_key


def test_key_ignores_case_and_spaces_and_prefers_the_consignee_id() -> None:
    assert split_key("s1", None, "Sato  Yui", "1-2 Tokyo") == split_key("S1", None, "sato yui", "1-2tokyo")
    assert split_key("S1", "C9", "A", "x") == split_key("S1", "c9", "B", "y")
    assert split_key("S1", None, "Sato", "Tokyo") != split_key("S2", None, "Sato", "Tokyo")


def test_key_takes_full_width_and_half_width_forms_and_dashes_as_the_same() -> None:
    """A seller writing the same consignee once in full-width letters must not escape the window."""
    plain = split_key("S-XYZ", None, "Sato Yui", "東京都世田谷区1-2-3")
    assert split_key("Ｓ－ＸＹＺ", None, "Ｓａｔｏ\u3000Ｙｕｉ", "東京都世田谷区１－２－３") == plain
    assert split_key("S-XYZ", None, "sato yui", "東京都世田谷区1\u22122\u20103") == plain  # minus sign, hyphen
    assert split_key("S-XYZ", "JC-99", "A", "x") == split_key("Ｓ－ＸＹＺ", "ＪＣ－９９", "B", "y")
    assert split_key("S-XYZ", None, "ｻﾄｳ", "x") == split_key("S-XYZ", None, "サトウ", "x")
    assert split_key("S-XYZ", None, "Sato Yui", "東京都世田谷区１ー２ー３") == plain  # ー typed as a dash
    assert split_key("S-XYZ", None, "セーラ", "x") != split_key("S-XYZ", None, "セ-ラ", "x")  # a katakana word
    assert split_key("S-XYZ", None, "Sato Yui", "東京都世田谷区1-2-4") != plain
    # ASCII text keys as before the normalisation (stored parcels keep matching).
    raw = "S-XYZ\x1f" + "na:satoyui|1-2-3tokyo"
    assert split_key("s-xyz ", None, "Sato  Yui", "1-2-3 Tokyo") == int.from_bytes(
        hashlib.blake2b(raw.encode(), digest_size=16).digest()[:8], "big", signed=True)


def test_group_flagged_when_combined_value_exceeds_threshold() -> None:
    t = SplitTracker(10_000)
    assert t.add("k", "c1", 6_000) is None
    hit = t.add("k", "c2", 5_000)
    assert hit is not None and hit.group == "c1" and hit.combined_value_jpy == 11_000 and hit.members == ["c1", "c2"]
    later = t.add("k", "c3", 100)
    assert later is not None and later.group == "c1" and later.newly_linked == []


def test_taxed_parcels_and_other_keys_do_not_count() -> None:
    t = SplitTracker(10_000)
    t.add("k", "c1", 6_000)
    assert t.add("k", "c2", 50_000) is None
    assert t.add("other", "c3", 9_000) is None
    assert t.add("k", "c4", 3_000) is None  # 9,000 together: within the exemption
    assert t.add("k", "c5", 10_001) is None  # over the threshold on its own: taxed, not a member
    assert [m.consignment_id for m in t.members["k"]] == ["c1", "c4"]
    assert t.add("edge", "e1", 10_000) is None  # exactly the threshold: within it, a member
    hit = t.add("edge", "e2", 1)
    assert hit is not None and hit.combined_value_jpy == 10_001 and hit.members == ["e1", "e2"]


def test_stored_members_are_linked_and_pending_rows_updated() -> None:
    t = SplitTracker(10_000)
    t.preload("k", Member("old", 7_000, None))
    row: dict[str, Any] = {"split_group": None}
    assert t.add("k", "new1", 1_000, row) is None
    hit = t.add("k", "new2", 3_000, {"split_group": None})
    assert hit is not None and hit.group == "old" and hit.newly_linked == ["old"] and row["split_group"] == "old"


def test_an_existing_group_id_is_kept() -> None:
    t = SplitTracker(10_000)
    t.preload("k", Member("a", 6_000, "g0"))
    t.preload("k", Member("b", 6_000, "g0"))
    hit = t.add("k", "c", 10)
    assert hit is not None and hit.group == "g0" and hit.newly_linked == []

"""Lane reasons in the officer's language. Reasons are stored once, in English, with the data they were made from
(`RuleHit.to_dict`: kind, matched, lines); the console says the platform's own reasons in Japanese from that data.
A selectivity profile's name and reason are the officers' own words and are shown as written, and so is any reason
whose data is not in the shape expected (kept as stored: never a blank). Pure: no database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TAX_JA = {"liquor": "酒税", "tobacco": "たばこ税"}


def _codes(m: dict[str, Any]) -> str:
    return "、".join(str(c) for c in m["hs_code"])


def _no_rate(r: dict[str, Any]) -> tuple[str, str]:
    return ("税率なし", f"HS {_codes(r['matched'])} に簡易税率も実行関税率もありません。関税額は職員が確認します。")


def _excise(r: dict[str, Any]) -> tuple[str, str]:
    taxes = "・".join(_TAX_JA[t] for t in r["matched"]["tax"])
    return ("酒税・たばこ税", f"HS {_codes(r['matched'])} には少額免税の範囲内でも{taxes}がかかります。"
                        "本システムでは計算しないため、職員が賦課します。")


def _split(r: dict[str, Any]) -> tuple[str, str]:
    m = r["matched"]
    n = len(m["members"])
    count = f"{n}個" if n < 50 else "50個以上"  # the stored members stop at 50
    return ("分割発送の疑い", f"同じ販売者から同じ受取人への貨物が期間内に{count}あり、"
                        f"合計 ¥{m['combined_value_jpy']:,} が少額免税の限度額を超えています"
                        f"（グループ {m['group']}）。")


def _description(r: dict[str, Any]) -> tuple[str, str]:
    said = "、".join(f"欄 {n}「{d}」" for n, d in zip(r["lines"], r["matched"]["description"], strict=True))
    return ("品名が不明確", f"{said}では貨物が特定できません。職員が運送者に照会します。")


def _value(r: dict[str, Any]) -> tuple[str, str]:
    m = r["matched"]
    said = "；".join(f"欄 {n} HS {c}：単価 ¥{u:,}（中央値 ¥{med:,}、ロバストz {z:.1f}）" for n, c, u, med, z in zip(
        r["lines"], m["hs_code"], m["unit_value_jpy"], m["median_jpy"], m["z"], strict=True))
    return ("参照値を大きく下回る価格", f"{said}。職員が価格を確認します。")


def _default(r: dict[str, Any]) -> tuple[str, str]:
    return ("該当なし", "該当する選別条件はありません。")


def _model(r: dict[str, Any]) -> tuple[str, str]:
    version = str(r["profile"]).removeprefix("model ")
    return (f"リスクモデル {version}", f"リスクスコア {float(r['matched']['score']):.3f}：モデルが区分{int(r['lane'])}"
                                     "とする上位の割合に入ります。")


def _kind(r: dict[str, Any]) -> Callable[[dict[str, Any]], tuple[str, str]] | None:
    kind = r.get("kind")
    if kind == "assessment":
        return _excise if "tax" in (r.get("matched") or {}) else _no_rate
    return {"split": _split, "description": _description, "value": _value, "default": _default,
            "model": _model}.get(str(kind))


def shown(reason: Any, lang: str) -> Any:
    """The stored reason with its `profile` and `reason` in `lang` (English, or not a reason of the expected shape:
    as stored)."""
    if lang != "ja" or not isinstance(reason, dict):
        return reason
    try:
        say = _kind(reason)
        if say is None:
            return reason
        profile, text = say(reason)
    except (KeyError, TypeError, ValueError, AttributeError):
        return reason  # stored by another version in another shape: as stored
    return {**reason, "profile": profile, "reason": text}
